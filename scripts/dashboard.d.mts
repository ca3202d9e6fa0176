// Types of scripts/dashboard.mjs for the TypeScript that imports it (the browser tests).
export const dashboardSrc: string;
export const dashboardOut: string;
export const FIRST_LOAD_BUDGET: number;
export function dashboardFresh(): boolean;
export function buildDashboard(): Promise<void>;
export function bundleSizes(): { firstLoad: number; files: number; lazy: { name: string; gzip: number }[] };
export function bundleReport(): string;
