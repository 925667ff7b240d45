import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** The dashboard page (数据看板) and its files; the figures come from the statistics API. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
