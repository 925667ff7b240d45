import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a user (disable, password, role, unit) or to the unit tree is announced on the
 * `actor_changed` channel (the user's id, or `*` for the units), so each API process can drop the
 * callers it holds in memory (ActorCache). A trigger, not application code, so that no way of
 * changing these rows forgets to announce it.
 */
export class ActorChanged1732650000000 implements MigrationInterface {
  name = 'ActorChanged1732650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_actor_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_LEVEL = 'ROW' THEN
          PERFORM pg_notify('actor_changed', OLD.id::text);
        ELSE
          PERFORM pg_notify('actor_changed', '*');
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER users_actor_changed AFTER UPDATE OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION notify_actor_changed();
      CREATE TRIGGER units_actor_changed AFTER UPDATE OR DELETE ON units
        FOR EACH STATEMENT EXECUTE FUNCTION notify_actor_changed();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER units_actor_changed ON units;
      DROP TRIGGER users_actor_changed ON users;
      DROP FUNCTION notify_actor_changed();
    `);
  }
}
