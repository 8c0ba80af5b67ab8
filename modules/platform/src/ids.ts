import { v7 } from 'uuid';

/** Time-ordered UUIDv7, made by the app. */
export const newId = (): string => v7();
