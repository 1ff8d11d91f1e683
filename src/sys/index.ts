export * from './constants';
export * from './errors';
export * as libc from './libc';
