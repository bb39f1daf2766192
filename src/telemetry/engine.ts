/**
 * Wraps an engine from the outside: one span per create/delete/list (active while the engine
 * works, so the engine's own spans — `trace.getTracer("scaleset")` in src/engines — nest under
 * it) plus call and error counters and a duration histogram. The JIT config is never recorded.
 */
import { type Attributes, type Span, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { type Engine, EngineError, type Machine, type MachineRequest } from "../engines/engine.js";
import { ATTR, cloudProvider } from "./attributes.js";
import type { Instruments } from "./instruments.js";

type Operation = "create" | "delete" | "list";

export class InstrumentedEngine implements Engine {
  readonly type: string;
  readonly #attributes: Record<Operation, Attributes>;
  readonly #spanAttributes: Attributes;

  constructor(
    readonly inner: Engine,
    private readonly tracer: Tracer,
    private readonly m: Instruments,
    scaleSet: string,
  ) {
    this.type = inner.type;
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
    const metricAttributes = this.#attributes[operation];
    const attributes: Attributes = { ...this.#spanAttributes, ...extra };
    const started = performance.now();
    return this.tracer.startActiveSpan(
      `scaleset.engine.${operation}`,
      { attributes },
      async (span) => {
        try {
          const result = await work();
          onResult?.(span, result);
          return result;
        } catch (error) {
          const errorType = error instanceof EngineError ? error.code : errorName(error);
          span.setAttribute(ATTR.errorType, errorType);
          if (error instanceof EngineError) span.setAttribute(ATTR.errorRetryable, error.retryable);
          span.setStatus({ code: SpanStatusCode.ERROR });
          this.m.cloudErrors.add(1, { ...metricAttributes, [ATTR.errorType]: errorType });
          throw error;
        } finally {
          this.m.cloudRequests.add(1, metricAttributes);
          this.m.cloudDuration.record((performance.now() - started) / 1000, metricAttributes);
          span.end();
        }
      },
    );
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}
