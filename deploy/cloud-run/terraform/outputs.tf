output "service_account" {
  value       = google_service_account.scaleset.email
  description = "Give this account the Compute Engine roles from docs/gcp/README.md (step 3)."
}

output "image" {
  value = local.image
}
