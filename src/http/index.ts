export { createHttpServer, QUEUE_DASHBOARD_PATH } from './create-http-server.js';
export type { HttpServer, HttpServerDeps, HttpServerConfig } from './create-http-server.js';
export { createAdminAuthHook } from './create-admin-auth-hook.js';
export type { AdminAuthHook } from './create-admin-auth-hook.js';
