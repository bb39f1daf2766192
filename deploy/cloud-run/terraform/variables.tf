variable "project" {
  type        = string
  description = "Project that runs scaleset (and, usually, the runner VMs)."
}

variable "region" {
  type        = string
  description = "Region of the worker pool and the Artifact Registry remote repository."
}

variable "image_owner" {
  type        = string
  description = "GitHub owner of ghcr.io/OWNER/scaleset (lowercase)."
}

variable "image_version" {
  type        = string
  description = "Image tag to deploy, e.g. 1.2.3. Change it to upgrade."
}

variable "config_secret" {
  type        = string
  default     = "scaleset-config"
  description = "Secret Manager secret holding config.yaml (created outside Terraform, so its value is not in the state)."
}

variable "github_app_key_secret" {
  type        = string
  default     = "scaleset-github-app-key"
  description = "Secret holding the GitHub App private key (PEM). Set to \"\" when using a token."
}

variable "github_token_secret" {
  type        = string
  default     = ""
  description = "Secret holding a GitHub PAT, exposed as GITHUB_TOKEN. Leave \"\" when using an App."
}

variable "shutdown_grace" {
  type        = string
  default     = "7s"
  description = "scaler.shutdown_grace: Cloud Run sends SIGKILL 10 s after SIGTERM."
}

variable "session_conflict_wait" {
  type        = string
  default     = "10s"
  description = "scaler.session_conflict_wait: how soon a new revision retries the session during a deploy."
}

variable "extra_env" {
  type        = map(string)
  default     = {}
  description = "More environment variables, e.g. OTEL_EXPORTER_OTLP_ENDPOINT."
}
