from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "trustdesk.compliance"
    label = "compliance"
    verbose_name = "Listing compliance"
