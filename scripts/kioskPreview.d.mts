export declare function startKioskPreview(options?: { port?: number; host?: string }): Promise<{ url: string; close: () => Promise<void> }>;
