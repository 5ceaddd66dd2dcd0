from django.urls import path

from . import views

app_name = "pool"
urlpatterns = [
    path("", views.pool_list, name="list"),
    path("mine/", views.my_leads, name="mine"),
    path("customers/", views.customer_pool, name="customers"),
    path("leads/<int:pk>/", views.lead_detail, name="lead"),
    path("leads/<int:pk>/claim/", views.claim_lead, name="claim"),
    path("leads/<int:pk>/release/", views.release_lead, name="release"),
    path("leads/<int:pk>/convert/", views.convert_lead, name="convert"),
    path("leads/<int:pk>/transfer/", views.transfer_lead, name="transfer"),
    path("customers/<int:pk>/claim/", views.claim_customer, name="claim_customer"),
    path("customers/<int:pk>/release/", views.release_customer, name="release_customer"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/new/", views.pool_edit, name="pool_new"),
    path("settings/<int:pk>/", views.pool_edit, name="pool_edit"),
    path("settings/limits/", views.limits_edit, name="limits"),
]
