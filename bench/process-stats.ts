/**
 * CPU time and resident memory of a process, read from /proc (Linux): what each part of the
 * stack (gateway, baseline, Redis, PSC simulator, the load generator itself) spent during a
 * scenario. CPU is reported as a percentage of one core (200 % = both cores of the machine).
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) the process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * What a resident set is made of (/proc/<pid>/status): pages mapped from files (the node
 * executable's code and data, ICU's included, and shared libraries: the same for every process
 * of one binary, and given back by the kernel under pressure) and anonymous pages (the V8 heap,
 * the allocator's arenas, buffers).
 */
export interface RssParts {
  fileBytes: number;
  anonBytes: number;
}

/** Resident set size in bytes, with its parts; undefined once the process is gone. */
export function rssOf(pid: number): ({ bytes: number } & RssParts) | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    const bytes = kb('VmRSS');
    if (!Number.isFinite(bytes)) return undefined;
    return { bytes, fileBytes: kb('RssFile'), anonBytes: kb('RssAnon') };
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes; undefined once the process is gone. */
export function rssBytes(pid: number): number | undefined {
  return rssOf(pid)?.bytes;
}

/** CPU seconds the whole machine spent busy (every process, ours and others'), from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface CpuWindow {
  /** CPU used since `start`, in % of one core, per named process; `machine`: every process of the machine. */
  stop(): Record<string, number>;
}

/** Starts measuring the CPU of several parts (by name; a part may be several processes) over one time window. */
export function cpuWindow(parts: Record<string, number[]>): CpuWindow {
  const started = process.hrtime.bigint();
  const total = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  const before = Object.fromEntries(Object.entries(parts).map(([name, pids]) => [name, total(pids)]));
  const machineBefore = machineBusySeconds();
  return {
    stop() {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const machineAfter = machineBusySeconds();
      const figures = Object.fromEntries(
        Object.entries(parts).map(([name, pids]) => {
          const used = total(pids) - (before[name] ?? 0);
          return [name, Math.round((used / seconds) * 1000) / 10];
        }),
      );
      if (machineBefore !== undefined && machineAfter !== undefined) figures.machine = Math.round(((machineAfter - machineBefore) / seconds) * 1000) / 10;
      return figures;
    },
  };
}

export interface RssWindow {
  /** The largest resident memory one of the processes had while sampled (read once more now), in bytes. */
  stop(): number;
  /** What that peak was made of (undefined when no process could be read). */
  peakParts(): RssParts | undefined;
}

/**
 * Samples the resident memory of the processes every `everyMs` until stopped: the peak of the
 * largest one (each gateway instance is its own process, with its own heap), and its parts.
 */
export function rssPeakWindow(pids: number[], everyMs = 500): RssWindow {
  let peak: ({ bytes: number } & RssParts) | undefined;
  const sample = () => {
    for (const pid of pids) {
      const now = rssOf(pid);
      if (now && now.bytes > (peak?.bytes ?? -1)) peak = now;
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak?.bytes ?? 0;
    },
    peakParts: () => peak && { fileBytes: peak.fileBytes, anonBytes: peak.anonBytes },
  };
}
