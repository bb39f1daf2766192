/** Errors a route handler throws; the router turns them into the wire format of the route. */

const ACTIONS_NAMESPACE = "GitHub.Actions.Runtime.WebApi";

export class SimHttpError extends Error {
  readonly status: number;
  /** Short exception name, e.g. "AgentNotFoundException" (Actions-service routes). */
  readonly exceptionName: string;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    exceptionName: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "SimHttpError";
    this.status = status;
    this.exceptionName = exceptionName;
    this.headers = headers;
  }
}

/** `{"typeName":"GitHub.Actions.Runtime.WebApi.<Name>, GitHub.Actions.Runtime.WebApi","message":…}` */
export function actionsErrorBody(exceptionName: string, message: string): object {
  return {
    $id: "1",
    innerException: null,
    message,
    typeName: `${ACTIONS_NAMESPACE}.${exceptionName}, ${ACTIONS_NAMESPACE}`,
    typeKey: exceptionName,
    errorCode: 0,
    eventId: 3000,
  };
}

/** GitHub REST API error shape. */
export function restErrorBody(status: number, message: string): object {
  return { message, documentation_url: "https://docs.github.com/rest", status: String(status) };
}

export const unauthorized = (
  message = "The access token is invalid or has expired.",
): SimHttpError => new SimHttpError(401, "UnauthorizedRequestException", message);

export const badRequest = (message: string): SimHttpError =>
  new SimHttpError(400, "ArgumentException", message);
