/** The EC2 Query protocol's response side: XML in the 2016-11-15 namespace. */
export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `<name>text</name>`; nothing for undefined. Children passed as `xml` are not escaped. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return "";
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function node(name: string, xml: string): string {
  return `<${name}>${xml}</${name}>`;
}

/** A list: `<name><item>…</item>…</name>`, the shape every EC2 `…Set` has. */
export function itemSet(name: string, items: readonly string[]): string {
  return node(name, items.map((item) => node("item", item)).join(""));
}

export function responseDocument(action: string, requestId: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}">${el("requestId", requestId)}${body}</${action}Response>`;
}

/** EC2's error document (not the generic `<ErrorResponse>` of other Query services). */
export function errorDocument(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${el("Code", code)}${el("Message", message)}</Error></Errors>${el("RequestID", requestId)}</Response>`;
}
