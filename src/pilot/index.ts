export { createPilotAggregates, pilotKeys, pseudonym, ACTIVE_KEPT_DAYS, type PilotAggregates } from './aggregates.ts';
export { createPilotFiguresReader, type PilotFigures, type PilotFiguresReader } from './figures.ts';
export { parisDay, isDay, addDays, daysFrom, dayCount, isoWeek, PILOT_TIME_ZONE } from '../calendar/paris-days.ts';
export { METHOD_GROUPS, methodGroup, type MethodGroup } from './method-groups.ts';
