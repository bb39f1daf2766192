/**
 * The user data contract with the runner AMI's boot service (see packer/): the first line is this
 * marker, the second the encoded JIT config, then a newline. The boot service fetches user data
 * over IMDSv2, checks the marker and starts the runner with the rest. EC2 wants it base64-encoded.
 */
export const JIT_USER_DATA_MARKER = "#scaleset-jit-config";

/** The base64 UserData for RunInstances. The result is as secret as the JIT config itself. */
export function jitUserData(encodedJitConfig: string): string {
  return Buffer.from(`${JIT_USER_DATA_MARKER}\n${encodedJitConfig}\n`, "utf8").toString("base64");
}
