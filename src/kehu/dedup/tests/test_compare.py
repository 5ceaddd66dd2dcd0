from django.utils import translation

from kehu.dedup.engine import MATCH_AT, compare, explain

from .factories import company, person


def codes(match):
    return {r.code for r in match.reasons}


# Persons -----------------------------------------------------------------------------------


def test_same_mobile_in_any_format_is_the_same_person():
    a = person(name="王伟", phone="13812345678", city="杭州")
    for phone in ("+86 138 1234 5678", "+8613812345678", "86-13812345678", "138-1234-5678", " 13812345678 "):
        match = compare(a, person(name="王 伟", phone=phone, city="杭州市"))
        assert match is not None and match.is_match
        assert {"same_mobile", "name_same"} <= codes(match)


def test_same_mobile_but_a_different_person_is_not_a_match():
    assert compare(person(name="王伟", phone="13812345678"), person(name="李娜", phone="13812345678")) is None


def test_typo_and_homophone_in_the_name_with_the_same_mobile():
    a = person(name="杨彬子", phone="13812345678")
    assert compare(a, person(name="扬彬子", phone="13812345678")).is_match
    assert compare(a, person(name="杨斌子", phone="13812345678")).is_match
    assert compare(
        person(name="陈静", phone="13812345678"), person(name="陈睁", phone="13812345678")
    ).is_match


def test_same_email_any_case():
    a = person(name="王伟", email="Wang.Wei@163.com")
    match = compare(a, person(name="王伟", email=" wang.wei@163.COM "))
    assert match.is_match and "same_email" in codes(match)


def test_a_new_phone_is_found_through_name_and_address():
    a = person(
        name="刘桂芝", phone="18027055357", address="浙江省杭州市余杭区学院路175号9幢4单元1103室", city="杭州"
    )
    b = person(name="刘桂芝", phone="13900000000", address="余杭区学院路175号9-4-1103", city="杭州市")
    match = compare(a, b)
    assert match.is_match
    assert "address_same" in codes(match)


def test_name_and_city_alone_are_not_enough():
    assert (
        compare(
            person(name="王伟", phone="13812345678", city="北京"),
            person(name="王伟", email="a@b.cn", city="北京"),
        )
        is None
    )


def test_shared_switchboard_does_not_merge_colleagues():
    a = person(name="张永", company="宁波众美电子有限公司", phone="0574-63470988", city="宁波")
    for other in ("李娜", "张勇强", "张军"):
        b = person(name=other, company="宁波众美电子有限公司", phone="(0574)63470988", city="宁波")
        assert compare(a, b) is None, other
        # Colleagues also share the office address.
        a_at_work = person(
            name="张永", company="宁波众美电子", phone="0574-63470988", address="宁波市江北区南京路214号"
        )
        b_at_work = person(
            name=other, company="宁波众美电子", phone="0574-63470988", address="宁波市江北区南京路214号"
        )
        assert not explain(a_at_work, b_at_work).is_match, other


def test_same_person_at_the_switchboard():
    a = person(name="张永", company="宁波众美电子有限公司", phone="0574-63470988", city="宁波")
    b = person(name="张永", company="宁波众美电子有限公司", phone="0574 6347 0988", city="宁波")
    assert compare(a, b).is_match


def test_different_id_numbers_veto():
    a = person(name="王伟", phone="13812345678", id_number="33010519621103590X")
    b = person(name="王伟", phone="13812345678", id_number="440113199208039749")
    verdict = explain(a, b)
    assert verdict.decision == "distinct"
    assert "id_number_differs" in codes(verdict)
    assert verdict.score == 0.0


def test_same_id_number_lower_case_x():
    a = person(name="王伟", id_number="33010519621103590X")
    assert compare(a, person(name="王伟", id_number="33010519621103590x")).is_match


# Companies ---------------------------------------------------------------------------------


def test_any_contact_of_the_company_is_the_company():
    a = company(name="王梅", company="杭州尚祈科技有限公司", phone="0571-88123456", city="杭州")
    b = company(name="李强", company="尚祈科技(杭州)有限公司", phone="13912345678", city="杭州市")
    match = compare(a, b)
    assert match.is_match
    assert "company_same" in codes(match)


def test_traditional_script_company():
    a = company(company="杭州尚祈網絡科技有限公司", city="杭州")
    assert compare(a, company(company="杭州尚祈网络科技有限公司", city="杭州")).is_match


def test_one_character_apart_stays_apart():
    a = company(
        name="王梅",
        company="杭州尚祈科技有限公司",
        phone="0571-88123456",
        address="杭州市西湖区文三路5号",
        city="杭州",
    )
    b = company(
        name="李强",
        company="杭州尚新科技有限公司",
        phone="0571-86666666",
        address="杭州市滨江区江南大道9号",
        city="杭州",
    )
    assert compare(a, b) is None


def test_one_character_typo_with_the_same_phone_matches():
    a = company(name="王梅", company="杭州尚祈科技有限公司", phone="0571-88123456", city="杭州")
    b = company(name="李强", company="杭州尚新科技有限公司", phone="057188123456", city="杭州")
    match = compare(a, b)
    assert match.is_match
    assert "company_similar" in codes(match)


def test_different_credit_codes_veto():
    a = company(company="杭州尚祈科技有限公司", credit_code="91330100MA1KF39C23")
    b = company(company="杭州尚祈科技有限公司", credit_code="91330110MAEDNEA287")
    assert explain(a, b).decision == "distinct"


def test_same_credit_code_lower_case_with_space():
    a = company(company="杭州尚祈科技有限公司", credit_code="91330100MA1KF39C23")
    match = compare(a, company(company="尚祈", credit_code="91330100 ma1kf39c23"))
    assert match.is_match and "same_credit_code" in codes(match)


def test_branch_is_not_its_head_office():
    head = company(company="杭州尚祈科技有限公司", phone="0571-88123456", city="杭州")
    branch = company(company="杭州尚祈科技有限公司上海分公司", phone="0571-88123456", city="上海")
    verdict = explain(head, branch)
    assert verdict.decision == "distinct" and "branch_differs" in codes(verdict)
    other_branch = company(company="杭州尚祈科技有限公司北京分公司", city="北京")
    assert explain(branch, other_branch).decision == "distinct"
    same_branch = company(company="杭州尚祈科技有限公司（上海分公司）", city="上海")
    assert compare(branch, same_branch).is_match


def test_same_core_registered_in_different_cities():
    a = company(company="北京环森网络科技有限公司", city="北京")
    b = company(company="杭州环森网络科技有限公司", city="杭州")
    verdict = explain(a, b)
    assert verdict.decision == "distinct" and "company_region_differs" in codes(verdict)
    # The credit code tells where a company is registered even when its name does not.
    c = company(company="环森网络科技有限公司", credit_code="91330106MA8ACWK78H")
    assert explain(a, c).decision == "distinct"


def test_short_name_needs_a_second_clue():
    full = company(name="王梅", company="杭州尚祈网络科技有限公司", phone="0571-88123456", city="杭州")
    assert compare(full, company(company="尚祈网络科技", city="杭州")).is_match  # 简称 with its trade
    assert not compare(full, company(company="尚祈", city="杭州")).is_match  # cores are reused
    assert compare(full, company(company="尚祈", phone="0571-88123456", city="杭州")).is_match


def test_different_trade_same_core():
    a = company(company="杭州锐聚电子商务有限公司", city="杭州")
    b = company(company="锐聚电子(杭州)股份有限公司", city="杭州")
    assert compare(a, b) is None


def test_person_and_company_never_match():
    a = person(name="王梅", phone="13812345678")
    b = company(name="王梅", company="杭州尚祈科技有限公司", phone="13812345678")
    assert explain(a, b).decision == "distinct"


def test_email_domain_that_spells_the_company():
    a = company(company="宁波达银软件有限公司", address="宁波市北仑区环城路480号世贸广场909室", city="宁波")
    b = company(company="达航软件有限责任公司", email="songjiajing@dayin.cn", city="宁波")
    assert "email_domain_spells_company" in codes(explain(a, b))


# Scores and reasons ------------------------------------------------------------------------


def test_score_and_reason_texts():
    a = company(name="王梅", company="杭州尚祈科技有限公司", phone="13812345678", city="杭州")
    b = company(name="王梅", company="尚祈（杭州）科技有限公司", phone="+86 138 1234 5678", city="杭州市")
    match = compare(a, b)
    assert match.points > MATCH_AT and 0.5 < match.score <= 1.0
    with translation.override("en"):  # the project's default language is Chinese
        text = match.explain()
    assert "same mobile" in text and "same company name (尚祈)" in text and "same city" in text
    as_dict = match.as_dict()
    assert as_dict["decision"] == "match"
    assert {"code": "same_mobile", "points": 7.0, "params": {}, "veto": False} in as_dict["reasons"]


def test_similarity_reason_has_a_rendered_ratio():
    a = company(company="上海瑞合软件有限公司", phone="13644077702", city="上海")
    b = company(company="上海辰合软件有限公司", phone="13644077702", city="上海")
    match = compare(a, b)
    assert match.is_match
    with translation.override("en"):
        assert "company name 0.75 similar" in match.explain()


def test_switchboard_with_and_without_extension():
    a = company(company="杭州尚祈科技有限公司", phone="0571-88123456 转 8001")
    b = company(company="尚祈科技", phone="0571-88123456")
    assert "same_landline" in codes(explain(a, b))
    # Two people behind one switchboard, each with an extension, are not one person.
    x = person(name="王伟", phone="0571-88123456-8001")
    y = person(name="李娜", phone="0571-88123456-8002")
    assert compare(x, y) is None


def test_registered_place_outweighs_the_contacts_city():
    a = company(company="杭州尚祈科技有限公司", phone="13812345678", city="杭州")
    b = company(company="杭州尚祈科技有限公司", city="上海")
    assert "city_differs" not in codes(explain(a, b))
    assert compare(a, b).is_match


def test_a_typo_in_the_trade_words():
    a = company(company="杭州尚祈科技有限公司", phone="13812345678", city="杭州")
    b = company(company="杭州尚祈科枝有限公司", phone="13812345678", city="杭州")
    assert compare(a, b).is_match
    # …but without a shared phone, address or code it is just another name.
    assert compare(a, company(company="杭州尚祈科枝有限公司", city="杭州")) is None


def test_branch_with_the_head_office_code_is_still_a_branch():
    head = company(company="杭州尚祈科技有限公司", credit_code="91330100MA1KF39C23")
    branch = company(company="杭州尚祈科技有限公司滨江分公司", credit_code="91330100MA1KF39C23")
    assert explain(head, branch).decision == "distinct"
