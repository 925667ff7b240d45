import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { IsCalendarDate } from '../../../common/validation/date-time.js';
import { FIGURES, type FigureKey } from '../figures.js';

/** Days a statistics range may start: from 2000 to a year ahead (the figures of the future are 0). */
const STATS_DAY = { min: '2000-01-01', maxDaysFromToday: 366 };

/** `?from=&to=&format=`: the query every statistics endpoint takes. */
export class StatsQuery {
  @ApiProperty({
    example: '2026-11-01',
    description: 'First day counted (YYYY-MM-DD, a calendar day in Asia/Shanghai, inclusive)',
  })
  @IsCalendarDate(STATS_DAY)
  from!: string;

  @ApiProperty({
    example: '2026-11-30',
    description: 'Last day counted (YYYY-MM-DD, Asia/Shanghai, inclusive); not before `from`',
  })
  @IsCalendarDate(STATS_DAY)
  to!: string;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    description:
      'csv: the same figures as a CSV download (UTF-8 with BOM, a Chinese header row, yuan with two decimals beside each amount in fen)',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export const INTERVALS = ['day', 'week', 'month'] as const;
export type StatsInterval = (typeof INTERVALS)[number];

export class TimeseriesQuery extends StatsQuery {
  @ApiProperty({
    enum: INTERVALS,
    description:
      'Period of each point: a day, an ISO week (Monday to Sunday) or a calendar month, in Asia/Shanghai. ' +
      'A range may span at most 366 days by day, 1,100 days by week, 3,660 days by month.',
  })
  @IsIn(INTERVALS)
  interval!: StatsInterval;
}

export class ByUnitQuery extends StatsQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "The unit whose children are listed; default the top of the caller's scope (admins: the top-level units). Must be in the caller's scope (404 otherwise).",
  })
  @IsOptional()
  @IsUUID()
  parentUnitId?: string;
}

/**
 * The figures, as one flat record (one CSV row). Every field is null when the caller's role does
 * not see that kind of row (a bank liaison sees only the bank's flags, hits and orders; community
 * police only warnings and deliveries), never a misleading 0.
 */
@ApiSchema({
  description:
    'Statistics figures (统计数据) of a range of days, scoped to the caller. A field is null when the caller’s role does not see ' +
    'that kind of record (bank liaisons: only their bank’s flags, hits and orders; community police: only warnings and deliveries), ' +
    'or when a share has nothing to divide by. Amounts are integer fen (分). Each figure is counted on its own day: cases by the day ' +
    'reported, orders by the day requested, recoveries by the day recovered, allocations by the day confirmed, returns by the day ' +
    'signed for, flags and hits by the day received, dissuasion tasks by the day opened, warnings by the day published, deliveries ' +
    'by the day sent.',
})
export class StatsFiguresDto implements Record<FigureKey, number | null> {
  cases!: number | null;
  casesReported!: number | null;
  casesRegistered!: number | null;
  casesInvestigating!: number | null;
  casesSolved!: number | null;
  casesClosed!: number | null;
  casesRejected!: number | null;
  casesSuspended!: number | null;
  lossFen!: number | null;
  solvedRate!: number | null;
  orders!: number | null;
  requestedFen!: number | null;
  stoppedFen!: number | null;
  frozenFen!: number | null;
  recoveredFen!: number | null;
  allocatedFen!: number | null;
  returnedFen!: number | null;
  flags!: number | null;
  flaggedFen!: number | null;
  hits!: number | null;
  dissuasions!: number | null;
  dissuasionsOpen!: number | null;
  dissuasionsStopped!: number | null;
  dissuasionsAlreadyPaid!: number | null;
  dissuasionsUnreachable!: number | null;
  dissuasionsNotFraud!: number | null;
  dissuasionsOnTime!: number | null;
  dissuasionsOnTimeShare!: number | null;
  warningsPublished!: number | null;
  deliveriesSent!: number | null;
  deliveriesAcknowledged!: number | null;
  deliveriesAcknowledgedShare!: number | null;
  goldenHourCases!: number | null;
  goldenHourMedianMinutes!: number | null;
}
// One description per figure, from the table the CSV headers come from too.
for (const f of FIGURES) {
  ApiProperty({
    type: Number,
    nullable: true,
    description: `${f.description} (${f.zh})`,
    ...(f.kind === 'share' ? { minimum: 0, maximum: 1 } : {}),
  })(StatsFiguresDto.prototype, f.key);
}

@ApiSchema({ description: 'The caller’s figures for a range of days (统计概览)' })
export class StatsOverviewDto extends StatsFiguresDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day counted (Asia/Shanghai)' })
  from!: string;
  @ApiProperty({ example: '2026-11-30', description: 'Last day counted (Asia/Shanghai)' })
  to!: string;
}

@ApiSchema({ description: 'The figures of one fraud type (诈骗类型)' })
export class StatsFraudTypeRowDto extends StatsFiguresDto {
  @ApiProperty({ example: 'task_rebate', description: 'Fraud type code' })
  fraudType!: string;
  @ApiProperty({ example: '刷单返利', description: 'Fraud type in Chinese' })
  label!: string;
}

@ApiSchema({
  description:
    'Figures by fraud type: one row per fraud type, every type listed. Flags and dissuasion tasks have no fraud type, so those fields are null here.',
})
export class StatsByFraudTypeDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day counted (Asia/Shanghai)' })
  from!: string;
  @ApiProperty({ example: '2026-11-30', description: 'Last day counted (Asia/Shanghai)' })
  to!: string;
  @ApiProperty({ type: [StatsFraudTypeRowDto], description: 'One row per fraud type, by code' })
  rows!: StatsFraudTypeRowDto[];
}

@ApiSchema({ description: 'The figures of one unit and its whole subtree (单位)' })
export class StatsUnitRowDto extends StatsFiguresDto {
  @ApiProperty({ format: 'uuid', description: 'Unit id' })
  unitId!: string;
  @ApiProperty({ example: 'CD-JJ', description: 'Unit code' })
  unitCode!: string;
  @ApiProperty({ example: '锦江分局', description: 'Unit name' })
  unitName!: string;
  @ApiProperty({
    description:
      'true for the row of the parent unit’s own records (本级: owned by the parent itself, not by a child)',
  })
  self!: boolean;
}

@ApiSchema({
  description:
    'Figures by unit, one level below a parent unit: each child with its whole subtree, and the parent’s own records (本级)',
})
export class StatsByUnitDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day counted (Asia/Shanghai)' })
  from!: string;
  @ApiProperty({ example: '2026-11-30', description: 'Last day counted (Asia/Shanghai)' })
  to!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The parent unit; null for an admin’s top level',
  })
  parentUnitId!: string | null;
  @ApiProperty({
    type: [StatsUnitRowDto],
    description: 'The parent’s own row first (self), then each child by code',
  })
  rows!: StatsUnitRowDto[];
}

@ApiSchema({ description: 'The figures of one period of a time series' })
export class StatsPeriodRowDto extends StatsFiguresDto {
  @ApiProperty({
    example: '2026-11-02',
    description:
      'First day of the period (a day; the Monday of an ISO week; the 1st of a month). The first and last periods count only the days within from..to.',
  })
  period!: string;
}

@ApiSchema({ description: 'Figures as a time series: one row per period, empty periods included' })
export class StatsTimeseriesDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day counted (Asia/Shanghai)' })
  from!: string;
  @ApiProperty({ example: '2026-11-30', description: 'Last day counted (Asia/Shanghai)' })
  to!: string;
  @ApiProperty({ enum: INTERVALS, description: 'Period of each row' })
  interval!: StatsInterval;
  @ApiProperty({ type: [StatsPeriodRowDto], description: 'One row per period, oldest first' })
  rows!: StatsPeriodRowDto[];
}
