from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


pool_list = my_leads = customer_pool = lead_detail = claim_lead = release_lead = convert_lead = _todo
claim_customer = release_customer = settings_index = pool_edit = limits_edit = _todo
