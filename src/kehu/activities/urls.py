from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/export/", views.task_export, name="task_export"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/reschedule/", views.task_reschedule, name="task_reschedule"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("follow-ups/export/", views.follow_up_export, name="follow_up_export"),
    path("appointments/", views.appointment_list, name="appointments"),
    path("appointments/new/", views.appointment_form, name="appointment_create"),
    path("appointments/export/", views.appointment_export, name="appointment_export"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/edit/", views.appointment_form, name="appointment_edit"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/done/", views.appointment_done, name="appointment_done"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/export/", views.case_export, name="case_export"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
]
