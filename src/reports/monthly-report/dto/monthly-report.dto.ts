import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export const REPORT_FORMATS = ['html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `?month=YYYY-MM&format=html|pdf` of the monthly report. */
export class MonthlyReportQuery {
  @ApiProperty({
    description: 'The calendar month in China (Asia/Shanghai), YYYY-MM; not later than this month',
    example: '2026-11',
    pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'must be a month as YYYY-MM, e.g. 2026-11' })
  month!: string;

  @ApiPropertyOptional({
    description: 'html (default: a printable A4 page) or pdf (the same page printed by Chromium)',
    enum: REPORT_FORMATS,
    default: 'html',
  })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;
}
