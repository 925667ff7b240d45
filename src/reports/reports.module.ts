import { Module } from '@nestjs/common';

/** Reports: statistics and CSV export. Built in its own issue; registered here so the layout is in place. */
@Module({})
export class ReportsModule {}
