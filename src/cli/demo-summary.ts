import type { ScalesetApp } from "../app/app.js";
import type { SimSnapshot } from "../sim/github/index.js";

/** One line a second: jobs by state, runners by state, machines in the simulated cloud. */
export function formatSummary(
  startedAt: number,
  snapshot: SimSnapshot,
  machines: number,
  app: ScalesetApp,
): string {
  const jobs = { waiting: 0, running: 0, completed: 0 };
  for (const job of snapshot.jobs) {
    if (job.state === "completed") jobs.completed++;
    else if (job.state === "running") jobs.running++;
    else jobs.waiting++;
  }
  const runners = { pending: 0, booting: 0, idle: 0, busy: 0, deleting: 0 };
  let phase = "starting";
  for (const unit of app.units) {
    const status = unit.status();
    phase = status.listener.phase;
    for (const [state, n] of Object.entries(status.scaler?.runners ?? {})) {
      runners[state as keyof typeof runners] += n;
    }
  }
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  return (
    `[${String(seconds).padStart(4)}s] ${phase} | jobs waiting ${jobs.waiting} running ${jobs.running} ` +
    `done ${jobs.completed} | runners pending ${runners.pending} booting ${runners.booting} idle ${runners.idle} ` +
    `busy ${runners.busy} deleting ${runners.deleting} | machines ${machines} | ` +
    `registrations ${snapshot.runners.length}`
  );
}

/** What is left behind after a run: machines, registrations, sessions. */
export function leakReport(
  snapshot: SimSnapshot,
  machines: number,
): { clean: boolean; text: string } {
  const registrations = snapshot.runners.length;
  const sessions = snapshot.sessions.length;
  const completed = snapshot.jobs.filter((j) => j.state === "completed").length;
  const clean = machines === 0 && registrations === 0 && sessions === 0;
  return {
    clean,
    text:
      `demo finished: ${completed} jobs completed; left behind: ${machines} machines, ` +
      `${registrations} runner registrations, ${sessions} sessions${clean ? " (none: clean)" : ""}`,
  };
}
