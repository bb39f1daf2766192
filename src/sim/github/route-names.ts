/** Names of the fake's routes, used in request counts and to target injected server errors. */

export const REST_ROUTES = [
  "accessToken",
  "registrationToken",
  "runnerRegistration",
  "getWorkflowRun",
  "listWorkflowRunJobs",
  "rerunFailedJobs",
] as const;
export const ACTIONS_ROUTES = [
  "getRunnerGroups",
  "listScaleSets",
  "getScaleSet",
  "createScaleSet",
  "updateScaleSet",
  "deleteScaleSet",
  "createSession",
  "refreshSession",
  "deleteSession",
  "acquireJobs",
  "acquirableJobs",
  "generateJitConfig",
  "getRunner",
  "listRunners",
  "deleteRunner",
] as const;
export const BROKER_ROUTES = ["getMessage", "ackMessage"] as const;
export const SIM_ROUTES = [
  "simRunnerRun",
  "simFaults",
  "simJobs",
  "simCancelJob",
  "simSnapshot",
] as const;

export type RestRoute = (typeof REST_ROUTES)[number];
export type ActionsRoute = (typeof ACTIONS_ROUTES)[number];
export type BrokerRoute = (typeof BROKER_ROUTES)[number];
export type SimRoute = (typeof SIM_ROUTES)[number];
export type RouteName = RestRoute | ActionsRoute | BrokerRoute | SimRoute | "notFound";
export type RouteKind = "rest" | "actions" | "broker" | "sim";

export function isRouteName(value: unknown): value is RouteName {
  return (
    typeof value === "string" &&
    ((REST_ROUTES as readonly string[]).includes(value) ||
      (ACTIONS_ROUTES as readonly string[]).includes(value) ||
      (BROKER_ROUTES as readonly string[]).includes(value) ||
      (SIM_ROUTES as readonly string[]).includes(value))
  );
}
