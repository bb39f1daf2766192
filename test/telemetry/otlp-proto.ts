/**
 * A minimal protobuf reader for OTLP export requests (opentelemetry-proto, trace and metrics),
 * enough for tests to see what the SDK sent on the wire. Decodes into the same shape as OTLP/JSON
 * (trace/span ids as hex, attribute values unwrapped).
 */
type Value = string | number | boolean | null | Value[] | { [key: string]: Value };
export type Attributes = Record<string, Value>;

interface Field {
  no: number;
  wire: number;
  /** varint / fixed as bigint; length-delimited as bytes. */
  int?: bigint;
  bytes?: Uint8Array;
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 1) {
      out.push({ no, wire, int: view.getBigUint64(pos, true) });
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 5) {
      out.push({ no, wire, int: BigInt(view.getUint32(pos, true)) });
      pos += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (b?: Uint8Array) => new TextDecoder().decode(b ?? new Uint8Array());
const hex = (b?: Uint8Array) => Buffer.from(b ?? new Uint8Array()).toString("hex");
const all = (fs: Field[], no: number) => fs.filter((f) => f.no === no);
const one = (fs: Field[], no: number) => fs.find((f) => f.no === no);
const double = (f?: Field) => {
  if (!f?.int && f?.int !== 0n) return undefined;
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, f.int, true);
  return b.getFloat64(0, true);
};

function anyValue(buf: Uint8Array): Value {
  const f = fields(buf)[0];
  if (!f) return null;
  switch (f.no) {
    case 1:
      return text(f.bytes);
    case 2:
      return f.int === 1n;
    case 3:
      return Number(BigInt.asIntN(64, f.int ?? 0n));
    case 4:
      return double(f) ?? 0;
    case 5:
      return all(fields(f.bytes!), 1).map((v) => anyValue(v.bytes!));
    case 6:
      return attributes(fields(f.bytes!), 1);
    default:
      return hex(f.bytes);
  }
}

function attributes(fs: Field[], no: number): Attributes {
  const out: Attributes = {};
  for (const kv of all(fs, no)) {
    const kvf = fields(kv.bytes!);
    out[text(one(kvf, 1)?.bytes)] = anyValue(one(kvf, 2)?.bytes ?? new Uint8Array());
  }
  return out;
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: { name: string; attributes: Attributes }[];
  links: { traceId: string; spanId: string; attributes: Attributes }[];
  status: { code: number; message: string };
  resource: Attributes;
  scope: string;
}

export function decodeTraceRequest(buf: Uint8Array): DecodedSpan[] {
  const spans: DecodedSpan[] = [];
  for (const rs of all(fields(buf), 1)) {
    const rsf = fields(rs.bytes!);
    const resource = attributes(fields(one(rsf, 1)?.bytes ?? new Uint8Array()), 1);
    for (const ss of all(rsf, 2)) {
      const ssf = fields(ss.bytes!);
      const scope = text(one(fields(one(ssf, 1)?.bytes ?? new Uint8Array()), 1)?.bytes);
      for (const s of all(ssf, 2)) {
        const f = fields(s.bytes!);
        const status = fields(one(f, 15)?.bytes ?? new Uint8Array());
        spans.push({
          traceId: hex(one(f, 1)?.bytes),
          spanId: hex(one(f, 2)?.bytes),
          parentSpanId: hex(one(f, 4)?.bytes),
          name: text(one(f, 5)?.bytes),
          kind: Number(one(f, 6)?.int ?? 0n),
          startNs: one(f, 7)?.int ?? 0n,
          endNs: one(f, 8)?.int ?? 0n,
          attributes: attributes(f, 9),
          events: all(f, 11).map((e) => {
            const ef = fields(e.bytes!);
            return { name: text(one(ef, 2)?.bytes), attributes: attributes(ef, 3) };
          }),
          links: all(f, 13).map((l) => {
            const lf = fields(l.bytes!);
            return {
              traceId: hex(one(lf, 1)?.bytes),
              spanId: hex(one(lf, 2)?.bytes),
              attributes: attributes(lf, 4),
            };
          }),
          status: { code: Number(one(status, 3)?.int ?? 0n), message: text(one(status, 2)?.bytes) },
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

export interface DecodedPoint {
  attributes: Attributes;
  /** Sum and gauge points. */
  value?: number;
  /** Histogram points. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  bounds?: number[];
}

export interface DecodedMetric {
  name: string;
  description: string;
  unit: string;
  type: "gauge" | "sum" | "histogram" | "other";
  monotonic?: boolean;
  points: DecodedPoint[];
  resource: Attributes;
}

function numberPoint(buf: Uint8Array): DecodedPoint {
  const f = fields(buf);
  const asDouble = one(f, 4);
  const asInt = one(f, 6);
  return {
    attributes: attributes(f, 7),
    value: asDouble ? double(asDouble) : Number(BigInt.asIntN(64, asInt?.int ?? 0n)),
  };
}

function packedFixed64(f: Field | undefined, asDouble: boolean): number[] {
  if (!f?.bytes) return [];
  const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= f.bytes.byteLength; i += 8)
    out.push(asDouble ? view.getFloat64(i, true) : Number(view.getBigUint64(i, true)));
  return out;
}

function histogramPoint(buf: Uint8Array): DecodedPoint {
  const f = fields(buf);
  return {
    attributes: attributes(f, 9),
    count: Number(one(f, 4)?.int ?? 0n),
    sum: double(one(f, 5)),
    bucketCounts: packedFixed64(one(f, 6), false),
    bounds: packedFixed64(one(f, 7), true),
  };
}

export function decodeMetricsRequest(buf: Uint8Array): DecodedMetric[] {
  const out: DecodedMetric[] = [];
  for (const rm of all(fields(buf), 1)) {
    const rmf = fields(rm.bytes!);
    const resource = attributes(fields(one(rmf, 1)?.bytes ?? new Uint8Array()), 1);
    for (const sm of all(rmf, 2)) {
      for (const m of all(fields(sm.bytes!), 2)) {
        const f = fields(m.bytes!);
        const metric: DecodedMetric = {
          name: text(one(f, 1)?.bytes),
          description: text(one(f, 2)?.bytes),
          unit: text(one(f, 3)?.bytes),
          type: "other",
          points: [],
          resource,
        };
        const gauge = one(f, 5);
        const sum = one(f, 7);
        const histogram = one(f, 9);
        if (gauge) {
          metric.type = "gauge";
          metric.points = all(fields(gauge.bytes!), 1).map((p) => numberPoint(p.bytes!));
        } else if (sum) {
          const sf = fields(sum.bytes!);
          metric.type = "sum";
          metric.monotonic = one(sf, 3)?.int === 1n;
          metric.points = all(sf, 1).map((p) => numberPoint(p.bytes!));
        } else if (histogram) {
          metric.type = "histogram";
          metric.points = all(fields(histogram.bytes!), 1).map((p) => histogramPoint(p.bytes!));
        }
        out.push(metric);
      }
    }
  }
  return out;
}

export interface DecodedLogRecord {
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  body: Value;
  attributes: Attributes;
  traceId: string;
  spanId: string;
  resource: Attributes;
  scope: string;
}

/** ExportLogsServiceRequest (opentelemetry-proto logs/v1). */
export function decodeLogsRequest(buf: Uint8Array): DecodedLogRecord[] {
  const out: DecodedLogRecord[] = [];
  for (const rl of all(fields(buf), 1)) {
    const rlf = fields(rl.bytes!);
    const resource = attributes(fields(one(rlf, 1)?.bytes ?? new Uint8Array()), 1);
    for (const sl of all(rlf, 2)) {
      const slf = fields(sl.bytes!);
      const scope = text(one(fields(one(slf, 1)?.bytes ?? new Uint8Array()), 1)?.bytes);
      for (const r of all(slf, 2)) {
        const f = fields(r.bytes!);
        out.push({
          timeNs: one(f, 1)?.int ?? 0n,
          severityNumber: Number(one(f, 2)?.int ?? 0n),
          severityText: text(one(f, 3)?.bytes),
          body: anyValue(one(f, 5)?.bytes ?? new Uint8Array()),
          attributes: attributes(f, 6),
          traceId: hex(one(f, 9)?.bytes),
          spanId: hex(one(f, 10)?.bytes),
          resource,
          scope,
        });
      }
    }
  }
  return out;
}
