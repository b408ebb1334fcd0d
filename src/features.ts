import { DynamicModule, Type } from '@nestjs/common';

/** The business feature modules the app runs with. */
export const featureModules: Array<Type | DynamicModule> = [];
