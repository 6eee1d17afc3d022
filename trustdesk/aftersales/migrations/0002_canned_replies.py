"""The first canned replies of the desk, one per intent in Chinese and English; staff edit them later."""

from django.db import migrations

TITLES = {
    "not_received": ("物流核查", "Checking the delivery"),
    "damaged": ("运输破损", "Damaged in transit"),
    "quality": ("质量问题", "Quality problem"),
    "wrong_item": ("发错商品", "Wrong item sent"),
    "not_as_described": ("与描述不符", "Not as described"),
    "changed_mind": ("七天无理由退货", "Seven-day no-reason return"),
    "refund_status": ("退款进度", "Refund progress"),
    "service": ("服务投诉", "Service complaint"),
    "general": ("已收到申请", "Request received"),
}


def add_replies(apps, schema_editor):
    from trustdesk.aftersales.assistant import REPLIES

    CannedReply = apps.get_model("aftersales", "CannedReply")
    for (intent, language), body in REPLIES.items():
        zh, en = TITLES.get(intent, (intent, intent))
        CannedReply.objects.get_or_create(
            intent=intent, language=language, defaults={"title": zh if language == "zh" else en, "body": body}
        )


def remove_replies(apps, schema_editor):
    apps.get_model("aftersales", "CannedReply").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("aftersales", "0001_initial")]
    operations = [migrations.RunPython(add_replies, remove_replies)]
