# scaleset runner image for Compute Engine: Ubuntu 24.04 + Docker + the GitHub Actions runner +
# the boot unit that runs one job and powers off. Published into an image family, so the
# engine's `image` can name the family and always get the newest build:
#   image: projects/PROJECT/global/images/family/scaleset-runner-ubuntu-2404-amd64
#
#   packer init packer/gcp
#   packer build -var project_id=my-project \
#     -var runner_version=2.330.0 -var runner_sha256=<sha256 of the linux-x64 tarball> packer/gcp
#
# runner_version and runner_sha256 have no default on purpose: the build fails without them
# (packer/tools/latest-runner-release.sh prints both for the newest release).

packer {
  required_plugins {
    googlecompute = {
      source  = "github.com/hashicorp/googlecompute"
      version = "~> 1.1"
    }
  }
}

variable "project_id" {
  type        = string
  description = "Project the build VM runs in and the image is stored in."
}

variable "zone" {
  type    = string
  default = "us-central1-a"
}

variable "runner_version" {
  type        = string
  description = "actions/runner release to install, e.g. 2.330.0 (required)."
  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.runner_version))
    error_message = "The runner_version must look like 2.330.0."
  }
}

variable "runner_sha256" {
  type        = string
  description = "SHA-256 of actions-runner-linux-<arch>-<version>.tar.gz from the release notes (required)."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.runner_sha256))
    error_message = "The runner_sha256 must be 64 lowercase hex digits."
  }
}

variable "runner_arch" {
  type        = string
  default     = "x64"
  description = "x64 or arm64 (arm64 builds on a Tau T2A machine)."
  validation {
    condition     = contains(["x64", "arm64"], var.runner_arch)
    error_message = "The runner_arch must be x64 or arm64."
  }
}

variable "image_family" {
  type        = string
  default     = ""
  description = "Image family to publish into. Default: scaleset-runner-ubuntu-2404-<amd64|arm64>."
}

variable "machine_type" {
  type        = string
  default     = ""
  description = "Build VM type. Default: e2-standard-4 (x64) or t2a-standard-4 (arm64)."
}

variable "disk_size_gb" {
  type    = number
  default = 30
}

variable "network" {
  type        = string
  default     = null
  description = "Build VM network. Default: the plugin's (the project's `default` network)."
}

variable "subnetwork" {
  type    = string
  default = null
}

variable "omit_external_ip" {
  type        = bool
  default     = false
  description = "Build without a public IP (the subnet then needs Cloud NAT, and SSH goes over IAP)."
}

variable "runner_passwordless_sudo" {
  type        = bool
  default     = true
  description = "Give the runner user passwordless sudo, as on GitHub-hosted runners."
}

locals {
  ubuntu_arch  = var.runner_arch == "arm64" ? "arm64" : "amd64"
  build_time   = formatdate("YYYYMMDDhhmmss", timestamp())
  image_family = var.image_family != "" ? var.image_family : "scaleset-runner-ubuntu-2404-${local.ubuntu_arch}"
  machine_type = var.machine_type != "" ? var.machine_type : (local.ubuntu_arch == "arm64" ? "t2a-standard-4" : "e2-standard-4")
}

source "googlecompute" "runner" {
  project_id              = var.project_id
  zone                    = var.zone
  source_image_family     = "ubuntu-2404-lts-${local.ubuntu_arch}"
  source_image_project_id = ["ubuntu-os-cloud"]
  machine_type            = local.machine_type
  disk_size               = var.disk_size_gb
  disk_type               = "pd-balanced"
  ssh_username            = "packer"
  network                 = var.network
  subnetwork              = var.subnetwork
  omit_external_ip        = var.omit_external_ip
  use_internal_ip         = var.omit_external_ip
  use_iap                 = var.omit_external_ip

  image_name        = "scaleset-runner-ubuntu-2404-${local.ubuntu_arch}-${local.build_time}"
  image_family      = local.image_family
  image_description = "scaleset runner: Ubuntu 24.04, Docker, actions/runner ${var.runner_version}"
  image_labels = {
    scaleset-image = "runner"
    runner-version = replace(var.runner_version, ".", "-")
    runner-arch    = var.runner_arch
  }
}

build {
  sources = ["source.googlecompute.runner"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/scaleset"]
  }

  # The boot script and the systemd unit, shared with the EC2 image.
  provisioner "file" {
    source      = "${path.root}/../files/"
    destination = "/tmp/scaleset"
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    environment_vars = [
      "SCALESET_PROVIDER=gcp",
      "SCALESET_FILES=/tmp/scaleset",
      "RUNNER_VERSION=${var.runner_version}",
      "RUNNER_SHA256=${var.runner_sha256}",
      "RUNNER_ARCH=${var.runner_arch}",
      "RUNNER_PASSWORDLESS_SUDO=${var.runner_passwordless_sudo}",
    ]
    scripts = [
      "${path.root}/../scripts/install-base.sh",
      "${path.root}/../scripts/install-docker.sh",
      "${path.root}/../scripts/install-runner.sh",
      "${path.root}/../scripts/install-service.sh",
      "${path.root}/../scripts/cleanup.sh",
    ]
  }
}
