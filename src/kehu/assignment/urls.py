from django.urls import path

from . import views

app_name = "assignment"
urlpatterns = [
    path("", views.rule_sets, name="sets"),
    path("sets/new/", views.rule_set_create, name="set_create"),
    path("sets/<int:pk>/", views.rule_set_detail, name="set"),
    path("sets/<int:pk>/activate/", views.rule_set_activate, name="set_activate"),
    path("sets/<int:pk>/delete/", views.rule_set_delete, name="set_delete"),
    path("sets/<int:pk>/rules/new/", views.rule_create, name="rule_add"),
    path("sets/<int:pk>/simulate/", views.simulate, name="simulate"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("leads/<int:pk>/why/", views.lead_why, name="lead_why"),
]
