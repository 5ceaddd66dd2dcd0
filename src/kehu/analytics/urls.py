from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("channels/", views.channels, name="channels"),
    path("time-to-convert/", views.time_to_convert, name="time_to_convert"),
    path("funnel/", views.funnel, name="funnel"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("pool-health/", views.pool_health, name="pool_health"),
    path("<slug:code>/export/", views.export, name="export"),
]
