from django import forms

from hospitals.forms import QuickSelect


class Pick(forms.Form):
    who = forms.ChoiceField(
        choices=[("", "全部"), ("1", "张伟"), ("2", "<李娜>")], required=False, widget=QuickSelect
    )


def test_quick_select_marks_the_chosen_option_and_escapes_labels():
    html = str(Pick({"who": "2"})["who"])
    assert html.startswith('<select id="id_who" name="who">')
    assert '<option value="2" selected>&lt;李娜&gt;</option>' in html
    assert '<option value="1">张伟</option>' in html
    assert html.count("selected") == 1


def test_quick_select_unbound_selects_the_empty_choice():
    html = str(Pick()["who"])
    assert '<option value="" selected>全部</option>' in html
