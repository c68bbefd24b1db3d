from django.db import models


class Owner(models.Model):
    ref = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(null=True)


class Widget(models.Model):
    ref = models.CharField(max_length=64, unique=True)
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="widgets")
    institution = models.ForeignKey("organisations.Institution", on_delete=models.PROTECT,
                                    null=True)
    category = models.CharField(max_length=64)
    made_on = models.DateField()
    retired_on = models.DateField(null=True)
    amount = models.IntegerField(null=True)
    active = models.BooleanField(null=True)
    note = models.TextField(blank=True, null=True)
    version = models.PositiveIntegerField(default=1)
