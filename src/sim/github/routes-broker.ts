import { requireQueueSession, requireScaleSet } from "./auth.js";
import { badRequest } from "./errors.js";
import { sendText } from "./http-io.js";
import { tryAssign } from "./job-flow.js";
import type { QueuedMessage } from "./message-queue.js";
import type { SimScaleSet, SimSession } from "./model.js";
import { API_VERSION, empty, json, type RouteCall, type RouteDef } from "./router.js";

/** The message broker: long-poll GET message and DELETE (ack), authorized by the queue token. */

const MAX_CAPACITY = 2_147_483_647;

function parseCapacity(call: RouteCall): number {
  const raw = call.req.headers["x-scalesetmaxcapacity"];
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim())) {
    throw badRequest(
      "The X-ScaleSetMaxCapacity header is required and must be a non-negative integer.",
    );
  }
  const capacity = Number(raw.trim());
  if (capacity > MAX_CAPACITY) throw badRequest("X-ScaleSetMaxCapacity is out of range.");
  return capacity;
}

function checkAccept(call: RouteCall): void {
  const accept = call.req.headers.accept ?? "";
  const parts = accept.split(";").map((p) => p.trim().toLowerCase());
  if (!parts.includes("application/json") || !parts.includes(`api-version=${API_VERSION}`)) {
    throw badRequest(`The Accept header must be "application/json; api-version=${API_VERSION}".`);
  }
}

function parseLastMessageId(call: RouteCall): number {
  const raw = call.url.searchParams.get("lastMessageId");
  if (raw === null || raw === "") return 0;
  const id = Number(raw);
  if (!Number.isInteger(id) || id < 0) throw badRequest("lastMessageId must be an integer");
  return id;
}

function sendMessage(call: RouteCall, scaleSet: SimScaleSet, message: QueuedMessage): void {
  const { world, faults } = call.services;
  world.counters.messagesDelivered++;
  message.poisoned ??= faults.takePoisonMessage();
  if (message.poisoned) {
    faults.poisonDelivered();
    world.changed();
  }
  json(call, 200, {
    messageId: message.id,
    messageType: "RunnerScaleSetJobMessages",
    // A poison message: the outer envelope is fine, the inner JSON array is cut in half.
    body: message.poisoned
      ? message.body.slice(0, Math.ceil(message.body.length / 2))
      : message.body,
    statistics: world.statistics(scaleSet),
  });
}

async function getMessage(call: RouteCall): Promise<void> {
  const { world, faults } = call.services;
  // Token first: when the scale set is gone so is its session, and the broker answers 401.
  const session = requireQueueSession(call, Number(call.params[0]));
  const scaleSet = requireScaleSet(call, call.params[0]);
  const capacity = parseCapacity(call);
  checkAccept(call);
  const lastMessageId = parseLastMessageId(call);
  if (capacity !== scaleSet.maxCapacity) {
    scaleSet.maxCapacity = capacity;
    tryAssign(world, scaleSet); // more capacity may release waiting jobs
  }
  if (faults.takeEmptyOkPoll()) {
    sendText(call.res, 200, "", "application/json; charset=utf-8", call.style.headers);
    return;
  }
  const ready = scaleSet.queue.take(lastMessageId);
  if (ready) {
    sendMessage(call, scaleSet, ready);
    return;
  }
  await holdPoll(call, scaleSet, session, lastMessageId);
}

/** Holds the request until a message is ready (200), the long poll times out or the session ends (202). */
function holdPoll(
  call: RouteCall,
  scaleSet: SimScaleSet,
  session: SimSession,
  lastMessageId: number,
): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (message: QueuedMessage | null, respond: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      session.heldPolls.delete(endNoMessage);
      session.lastActivity = Date.now();
      if (respond && message) sendMessage(call, scaleSet, message);
      else if (respond) empty(call, 202);
      call.services.world.changed();
      resolve();
    };
    const endNoMessage = (): void => finish(null, true);
    const timer = setTimeout(endNoMessage, call.services.world.options.longPollMs);
    const unsubscribe = scaleSet.queue.subscribe(() => {
      const message = scaleSet.queue.take(lastMessageId);
      if (message) finish(message, true);
    });
    session.heldPolls.add(endNoMessage);
    call.services.world.changed();
    call.res.on("close", () => finish(null, false)); // client gave up (or answered already)
  });
}

function ackMessage(call: RouteCall): void {
  requireQueueSession(call, Number(call.params[0]));
  const scaleSet = requireScaleSet(call, call.params[0]);
  // Idempotent: a replayed ack of an already deleted message is fine.
  if (scaleSet.queue.ack(Number(call.params[1]))) call.services.world.counters.messagesAcked++;
  empty(call, 204);
}

export const brokerRoutes: RouteDef[] = [
  {
    method: "GET",
    pattern: /^\/broker\/scalesets\/(\d+)\/message\/?$/,
    name: "getMessage",
    kind: "broker",
    handle: getMessage,
  },
  {
    method: "DELETE",
    pattern: /^\/broker\/scalesets\/(\d+)\/message\/(\d+)\/?$/,
    name: "ackMessage",
    kind: "broker",
    handle: ackMessage,
  },
];
