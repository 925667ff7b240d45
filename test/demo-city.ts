import { DemoCoordinatorsSeeder, DemoWarningsSeeder } from '../src/alerts/index.js';
import { DemoCasesSeeder } from '../src/cases/index.js';
import { SeedService } from '../src/identity/index.js';
import { DemoRecoveriesSeeder } from '../src/recoveries/index.js';
import { eventually, type TestApp } from './harness.js';

/**
 * What `npm start` loads beyond the template (which holds seeds/demo.json): the city's units and
 * users, the cases, flags, coordinators, orders, recoveries, ceremony and the published warning,
 * whose fan-out the workers run (three deliveries).
 */
export async function loadDemoCity(t: TestApp): Promise<void> {
  await t.app.get(SeedService).loadDemo('demo-city.json');
  const cases = t.app.get(DemoCasesSeeder);
  await cases.load();
  await cases.load('demo-city-cases.json');
  await cases.loadFlags();
  await t.app.get(DemoCoordinatorsSeeder).load();
  await t.app.get(DemoRecoveriesSeeder).load();
  await t.app.get(DemoWarningsSeeder).load();
  await eventually('three deliveries', async () => {
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM deliveries')) as {
      n: number;
    }[];
    return n === 3 ? true : undefined;
  });
}
