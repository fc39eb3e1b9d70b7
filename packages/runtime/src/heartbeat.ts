import type { Bus } from "@harness/bus";
import { heartbeatSubject, ServiceHeartbeat, type Role } from "@harness/contracts";

/** How often a replica or custom evaluator beats; the supervisor counts it live for 15 s after a beat. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface HeartbeatOptions {
  role: Role;
  name: string;
  instance: string;
  version: string;
  capacity: number;
  inFlight: () => number;
  intervalMs?: number;
}

/** Announces this replica on core NATS so the supervisor's registry sees it; best effort. */
export function startHeartbeat(bus: Bus, opts: HeartbeatOptions): { stop(): void } {
  const startedAt = new Date().toISOString();
  const subject = heartbeatSubject(opts.role, opts.name);
  const beat = () => {
    if (bus.nc.isClosed()) return;
    const hb: ServiceHeartbeat = ServiceHeartbeat.parse({
      type: "service.heartbeat", schemaVersion: 1, role: opts.role, name: opts.name, instance: opts.instance,
      version: opts.version, inFlight: opts.inFlight(), capacity: opts.capacity, startedAt, time: new Date().toISOString(),
    });
    try { bus.nc.publish(subject, JSON.stringify(hb)); } catch { /* reconnecting: next beat */ }
  };
  beat();
  const timer = setInterval(beat, opts.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
