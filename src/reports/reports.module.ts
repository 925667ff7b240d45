import { Module } from '@nestjs/common';

/** Reports: statistics and CSV export. Registered here so the layout is in place; nothing in it yet. */
@Module({})
export class ReportsModule {}
