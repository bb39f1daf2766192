terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source = "hashicorp/google"
      # google_cloud_run_v2_worker_pool: new in 6.37.0, liveness_probe since 7.5.0, and 7.18.0
      # fixed a permanent diff on scaling.scaling_mode (set in main.tf).
      version = ">= 7.18.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
