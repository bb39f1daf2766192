# scaleset runner AMI for EC2: Ubuntu 24.04 + Docker + the GitHub Actions runner + the boot unit
# that runs one job and powers off (the engine launches with
# InstanceInitiatedShutdownBehavior=terminate, so powering off terminates the instance).
#
#   packer init packer/aws
#   packer build -var region=eu-west-1 \
#     -var runner_version=2.330.0 -var runner_sha256=<sha256 of the linux-x64 tarball> packer/aws
#
# runner_version and runner_sha256 have no default on purpose: the build fails without them
# (packer/tools/latest-runner-release.sh prints both for the newest release). The AMI is tagged
# scaleset-image=runner; point the engine's image_id at the newest one (see docs/aws/README.md).

packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "~> 1.3"
    }
  }
}

variable "region" {
  type = string
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
  description = "x64 or arm64 (arm64 builds on a Graviton instance)."
  validation {
    condition     = contains(["x64", "arm64"], var.runner_arch)
    error_message = "The runner_arch must be x64 or arm64."
  }
}

variable "instance_type" {
  type        = string
  default     = ""
  description = "Build instance type. Default: t3.large (x64) or t4g.large (arm64)."
}

variable "disk_size_gb" {
  type    = number
  default = 30
}

variable "subnet_id" {
  type        = string
  default     = null
  description = "Build subnet. Default: the region's default VPC."
}

variable "associate_public_ip_address" {
  type        = bool
  default     = true
  description = "false for a private subnet (it then needs a NAT gateway, and packer must reach the instance)."
}

variable "ami_regions" {
  type        = list(string)
  default     = []
  description = "Other regions to copy the AMI to."
}

variable "runner_passwordless_sudo" {
  type        = bool
  default     = true
  description = "Give the runner user passwordless sudo, as on GitHub-hosted runners."
}

locals {
  ubuntu_arch   = var.runner_arch == "arm64" ? "arm64" : "amd64"
  build_time    = formatdate("YYYYMMDDhhmmss", timestamp())
  instance_type = var.instance_type != "" ? var.instance_type : (local.ubuntu_arch == "arm64" ? "t4g.large" : "t3.large")
  ami_name      = "scaleset-runner-ubuntu-2404-${local.ubuntu_arch}-${local.build_time}"
}

source "amazon-ebs" "runner" {
  region = var.region
  source_ami_filter {
    filters = {
      name                = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${local.ubuntu_arch}-server-*"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["099720109477"] # Canonical
    most_recent = true
  }
  instance_type               = local.instance_type
  ssh_username                = "ubuntu"
  subnet_id                   = var.subnet_id
  associate_public_ip_address = var.associate_public_ip_address

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = var.disk_size_gb
    volume_type           = "gp3"
    delete_on_termination = true
  }

  ami_name        = local.ami_name
  ami_description = "scaleset runner: Ubuntu 24.04, Docker, actions/runner ${var.runner_version}"
  ami_regions     = var.ami_regions
  ena_support     = true
  # Instances launched from the AMI default to IMDSv2-only (the engine also requires it).
  imds_support = "v2.0"

  tags = {
    Name             = local.ami_name
    "scaleset-image" = "runner"
    "runner-version" = var.runner_version
    "runner-arch"    = var.runner_arch
    "base-ami"       = "{{ .SourceAMI }}"
  }
  run_tags = {
    Name = "packer-scaleset-runner"
  }
}

build {
  sources = ["source.amazon-ebs.runner"]

  provisioner "shell" {
    inline = ["mkdir -p /tmp/scaleset"]
  }

  # The boot script and the systemd unit, shared with the GCE image.
  provisioner "file" {
    source      = "${path.root}/../files/"
    destination = "/tmp/scaleset"
  }

  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo env {{ .Vars }} {{ .Path }}"
    environment_vars = [
      "SCALESET_PROVIDER=ec2",
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

  # Records the new AMI id ("region:ami-…") for the rebuild workflow, which publishes it.
  post-processor "manifest" {
    output     = "packer-manifest.json"
    strip_path = true
  }
}
