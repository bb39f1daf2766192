/** An error the fake answers with: EC2 code, message and the HTTP status EC2 uses for it. */
export class Ec2SimError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = statusFor(code)) {
    super(message);
    this.name = "Ec2SimError";
    this.code = code;
    this.status = status;
  }
}

const STATUS: Record<string, number> = {
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  // EC2 reports a stockout as a server error (the SDK's default retry would repeat it).
  InsufficientInstanceCapacity: 500,
  InsufficientHostCapacity: 500,
  InternalError: 500,
  RequestLimitExceeded: 503,
  Unavailable: 503,
};

export function statusFor(code: string): number {
  return STATUS[code] ?? 400;
}

export const DEFAULT_MESSAGES: Record<string, string> = {
  InsufficientInstanceCapacity:
    "We currently do not have sufficient capacity in the Availability Zone you requested.",
  InstanceLimitExceeded: "You have requested more instances than your current instance limit.",
  VcpuLimitExceeded: "You have requested more vCPU capacity than your current vCPU limit.",
  MaxSpotInstanceCountExceeded: "Max spot instance count exceeded",
  SpotMaxPriceTooLow: "Your Spot request price is lower than the minimum required Spot price.",
  Unsupported: "Your requested instance type is not supported in your requested Availability Zone.",
  RequestLimitExceeded: "Request limit exceeded.",
  InternalError: "An internal error has occurred",
  Unavailable: "The server is overloaded and can't handle the request.",
};
