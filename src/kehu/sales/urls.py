from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("", views.board, name="board"),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/new/", views.opportunity_form, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_form, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/export/", views.contract_export, name="contract_export"),
    path("contracts/new/", views.contract_form, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_form, name="contract_edit"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("orders/", views.order_list, name="orders"),
    path("orders/export/", views.order_export, name="order_export"),
    path("orders/new/", views.order_form, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("products/", views.product_list, name="products"),
    path("products/new/", views.product_form, name="product_create"),
    path("products/<int:pk>/", views.product_form, name="product_edit"),
    path("commissions/", views.statement, name="statement"),
    path("commissions/export/", views.statement_export, name="statement_export"),
]
