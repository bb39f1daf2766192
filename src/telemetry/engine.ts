/**
 * Wraps an engine from the outside: call and error counters and a duration histogram per
 * create/delete/list, and one span per operation (active while the engine works) — unless the
 * engine opens a CLIENT span per cloud API call itself (`tracesCalls`: gcp, ec2). Then those are
 * the children of the runner or reconciliation span and an operation span around them would
 * repeat them (a create is one RunInstances, or an insert and its operation, nearly always), at
 * a span per create and per delete, the largest share of a job's telemetry after the job itself.
 * The optional methods (inventory, preemptions, spotPrice) pass through. The JIT config is never
 * recorded.
 */
import { type Attributes, type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { type Engine, EngineError, type Machine, type MachineRequest } from "../engines/engine.js";
import { ATTR, cloudProvider } from "./attributes.js";
import type { Instruments } from "./instruments.js";

type Operation = "create" | "delete" | "list";

export class InstrumentedEngine implements Engine {
  readonly type: string;
  readonly tracesCalls?: boolean;
  readonly inventory?: Engine["inventory"];
  readonly preemptions?: Engine["preemptions"];
  readonly spotPrice?: Engine["spotPrice"];
  readonly #attributes: Record<Operation, Attributes>;
  readonly #spanAttributes: Attributes;

  constructor(
    readonly inner: Engine,
    private readonly tracer: Tracer,
    private readonly m: Instruments,
    scaleSet: string,
  ) {
    this.type = inner.type;
    this.tracesCalls = inner.tracesCalls;
    // Bound to the inner engine: spot and cost call them on the wrapped one (src/app/app.ts).
    if (inner.inventory) this.inventory = inner.inventory.bind(inner);
    if (inner.preemptions) this.preemptions = inner.preemptions.bind(inner);
    if (inner.spotPrice) this.spotPrice = inner.spotPrice.bind(inner);
    const base = { [ATTR.scaleSet]: scaleSet, [ATTR.engineType]: inner.type };
    this.#attributes = {
      create: { ...base, [ATTR.cloudOperation]: "create" },
      delete: { ...base, [ATTR.cloudOperation]: "delete" },
      list: { ...base, [ATTR.cloudOperation]: "list" },
    };
    // The span name says the operation and the runner span the scale set.
    const provider = cloudProvider(inner.type);
    this.#spanAttributes = provider
      ? { [ATTR.engineType]: inner.type, [ATTR.cloudProvider]: provider }
      : { [ATTR.engineType]: inner.type };
  }

  create(request: MachineRequest, signal?: AbortSignal): Promise<Machine> {
    return this.#call(
      "create",
      { [ATTR.workerName]: request.runnerName },
      () => this.inner.create(request, signal),
      (span, machine) => {
        span.setAttribute(ATTR.machineId, machine.id);
        if (machine.location) span.setAttribute(ATTR.machineLocation, machine.location);
      },
    );
  }

  delete(machineId: string, signal?: AbortSignal): Promise<void> {
    return this.#call("delete", { [ATTR.machineId]: machineId }, () =>
      this.inner.delete(machineId, signal),
    );
  }

  list(signal?: AbortSignal): Promise<Machine[]> {
    return this.#call(
      "list",
      {},
      () => this.inner.list(signal),
      (span, machines) => span.setAttribute(ATTR.machineCount, machines.length),
    );
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #call<T>(
    operation: Operation,
    extra: Attributes,
    work: () => Promise<T>,
    onResult?: (span: Span, result: T) => void,
  ): Promise<T> {
    if (this.inner.tracesCalls) return this.#measured(operation, work);
    const attributes: Attributes = { ...this.#spanAttributes, ...extra };
    return this.tracer.startActiveSpan(`scaleset.engine.${operation}`, { attributes }, (span) =>
      this.#measured(
        operation,
        async () => {
          const result = await work();
          onResult?.(span, result);
          return result;
        },
        span,
      ),
    );
  }

  /** Counts and times one operation; records a failure on `span` when there is one. */
  async #measured<T>(operation: Operation, work: () => Promise<T>, span?: Span): Promise<T> {
    const metricAttributes = this.#attributes[operation];
    const started = performance.now();
    try {
      return await work();
    } catch (error) {
      const errorType = error instanceof EngineError ? error.code : errorName(error);
      if (span) {
        span.setAttribute(ATTR.errorType, errorType);
        if (error instanceof EngineError) span.setAttribute(ATTR.errorRetryable, error.retryable);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      this.m.cloudErrors.add(1, { ...metricAttributes, [ATTR.errorType]: errorType });
      throw error;
    } finally {
      this.m.cloudRequests.add(1, metricAttributes);
      this.m.cloudDuration.record((performance.now() - started) / 1000, metricAttributes);
      span?.end();
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}
