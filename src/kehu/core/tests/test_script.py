from kehu.core.normalize.script import to_simplified


def test_traditional_to_simplified():
    assert to_simplified("臺灣積體電路製造股份有限公司") == "台湾积体电路制造股份有限公司"
    assert to_simplified("廣州市越秀區") == "广州市越秀区"


def test_simplified_text_is_returned_unchanged():
    text = "杭州尚祈科技有限公司"
    assert to_simplified(text) is text
    assert to_simplified("") == ""
