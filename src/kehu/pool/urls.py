from django.urls import path  # noqa: F401 - views are added here

app_name = "pool"
urlpatterns: list = []
