import type { Server } from 'node:net';

/** Starts the relay from listenHost:listenPort to targetHost:targetPort; resolves once it listens. */
export function startForumProxy(options?: { listenPort?: number; listenHost?: string; targetPort?: number; targetHost?: string }): Promise<Server>;
