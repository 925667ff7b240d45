import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export enum UnitKind {
  /** 市公安局 */
  CityBureau = 'city_bureau',
  /** 分局 */
  SubBureau = 'sub_bureau',
  /** 网安大队 / 反诈中心 */
  Brigade = 'brigade',
  /** 派出所 */
  Station = 'station',
  /** 社区 */
  Community = 'community',
  /** 银行 */
  Bank = 'bank',
  /** 银行网点 / 支行 */
  BankBranch = 'bank_branch',
}

/** Which kinds may sit under which: police units under police units, branches under banks. */
export const ALLOWED_PARENTS: Record<UnitKind, (UnitKind | null)[]> = {
  [UnitKind.CityBureau]: [null],
  [UnitKind.SubBureau]: [UnitKind.CityBureau],
  [UnitKind.Brigade]: [UnitKind.CityBureau, UnitKind.SubBureau],
  [UnitKind.Station]: [UnitKind.SubBureau, UnitKind.CityBureau],
  [UnitKind.Community]: [UnitKind.Station],
  [UnitKind.Bank]: [null],
  [UnitKind.BankBranch]: [UnitKind.Bank],
};

@Entity('units')
export class Unit {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ type: 'text' })
  kind!: UnitKind;

  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Materialized path `/<root id>/…/<own id>/`; a subtree is a prefix match. */
  @Column({ type: 'text' })
  path!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
