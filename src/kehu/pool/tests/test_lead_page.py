from kehu.pool import services


def test_the_lead_page_shows_protection_and_the_ownership_ledger(org, web, make_lead, lead_pool):
    lead = make_lead(lead_pool, name="赵敏")
    services.claim(org.sales_a1, lead)
    page = web(org.sales_a1).get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="pool-panel"' in page and f"/pool/leads/{lead.pk}/" in page
    assert "Assignments, claims and returns to the pool appear here." not in page
    # Another salesperson cannot open the page at all (the panel never leaks the ledger).
    assert web(org.sales_south).get(f"/leads/{lead.pk}/").status_code == 404
