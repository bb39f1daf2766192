# scaleset on a Cloud Run worker pool: one always-on instance, its own service account, config
# and GitHub credential from Secret Manager, image pulled through an Artifact Registry remote
# repository that proxies ghcr.io. The Compute Engine roles of the service account (what it may
# do to runner VMs) are in docs/gcp/README.md, step 3; grant them here or there.

locals {
  image = "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.ghcr.repository_id}/${lower(var.image_owner)}/scaleset:${var.image_version}"
  secrets = compact([var.config_secret, var.github_app_key_secret, var.github_token_secret])
}

resource "google_project_service" "apis" {
  for_each           = toset(["run.googleapis.com", "artifactregistry.googleapis.com", "secretmanager.googleapis.com", "compute.googleapis.com"])
  service            = each.value
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "ghcr" {
  repository_id = "ghcr"
  location      = var.region
  format        = "DOCKER"
  mode          = "REMOTE_REPOSITORY"
  description   = "Proxy of ghcr.io for scaleset images"
  remote_repository_config {
    docker_repository {
      custom_repository {
        uri = "https://ghcr.io"
      }
    }
  }
  depends_on = [google_project_service.apis]
}

resource "google_service_account" "scaleset" {
  account_id   = "scaleset"
  display_name = "scaleset autoscaler"
}

resource "google_secret_manager_secret_iam_member" "access" {
  for_each  = toset(local.secrets)
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.scaleset.email}"
}

resource "google_cloud_run_v2_worker_pool" "scaleset" {
  name                = "scaleset"
  location            = var.region
  deletion_protection = false

  scaling {
    scaling_mode          = "MANUAL"
    manual_instance_count = 1
  }

  template {
    service_account = google_service_account.scaleset.email

    containers {
      image = local.image
      args = [
        "run", "--config", "/etc/scaleset/config.yaml",
        "--scaler.shutdown_grace", var.shutdown_grace,
        "--scaler.session_conflict_wait", var.session_conflict_wait,
      ]

      resources {
        limits = { cpu = "1", memory = "512Mi" }
      }

      dynamic "env" {
        for_each = var.github_app_key_secret == "" ? {} : { GITHUB_APP_PRIVATE_KEY_PATH = "/secrets/github-app/key.pem" }
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = var.github_token_secret == "" ? [] : [var.github_token_secret]
        content {
          name = "GITHUB_TOKEN"
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      dynamic "env" {
        for_each = var.extra_env
        content {
          name  = env.key
          value = env.value
        }
      }

      # No traffic reaches a worker pool: the probe only restarts a wedged process. /healthz, not
      # /readyz: a standby waiting on another instance's session is healthy.
      liveness_probe {
        http_get {
          path = "/healthz"
          port = 8080
        }
        period_seconds    = 30
        failure_threshold = 3
      }

      volume_mounts {
        name       = "config"
        mount_path = "/etc/scaleset"
      }

      dynamic "volume_mounts" {
        for_each = var.github_app_key_secret == "" ? [] : [1]
        content {
          name       = "github-app-key"
          mount_path = "/secrets/github-app"
        }
      }
    }

    volumes {
      name = "config"
      secret {
        secret = var.config_secret
        items {
          version = "latest"
          path    = "config.yaml"
        }
      }
    }

    dynamic "volumes" {
      for_each = var.github_app_key_secret == "" ? [] : [var.github_app_key_secret]
      content {
        name = "github-app-key"
        secret {
          secret = volumes.value
          items {
            version = "latest"
            path    = "key.pem"
          }
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.access]
}
