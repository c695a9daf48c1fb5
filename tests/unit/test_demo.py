"""Invariants of the national demo: physics, calibration on real figures, the market
series, and the injected irregularities (each present in the data and in case_labels)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core import demo
from core.contract import mrv, schema


@pytest.fixture(scope="module")
def national():
    return demo.generate(scale=1.0, seed=2022)


@pytest.fixture(scope="module")
def joined(national):
    m = national["monthly_reports"].merge(national["units"], on="unit_id").merge(
        national["enterprises"][["enterprise_id", "province_code"]], on="enterprise_id")
    m["year"] = m.period.str[:4].astype(int)
    return m


def labelled(national, pattern):
    lab = national["case_labels"]
    return lab[(lab.pattern == pattern) & (lab.outcome == "confirmed")]


@pytest.fixture(scope="module")
def small():
    return demo.generate(scale=0.03, seed=11)


def test_same_seed_same_data_other_seed_other_data(small):
    again = demo.generate(scale=0.03, seed=11)
    other = demo.generate(scale=0.03, seed=12)
    assert set(again) == set(small)
    for name in small:
        pd.testing.assert_frame_equal(small[name], again[name])
    for name in ("enterprises", "monthly_reports", "trades", "case_labels"):
        assert not small[name].equals(other[name]), name


def test_every_injector_plants_its_pattern_in_a_small_demo(small):
    confirmed = small["case_labels"].query("outcome == 'confirmed'")
    for inj in demo.INJECTORS:
        assert (confirmed.pattern == inj.label).any(), inj.label
    assert set(confirmed.pattern) == {inj.label for inj in demo.INJECTORS}
    # an enterprise carries one planted pattern at most, and the dismissed spot checks are honest ones
    assert (small["case_labels"].groupby("enterprise_id").pattern.nunique() == 1).all()


def test_injector_table_labels_documents_and_streams():
    labels = [inj.label for inj in demo.INJECTORS]
    assert len(set(labels)) == len(labels)
    assert demo.PATTERNS == {inj.label: inj.pattern for inj in demo.INJECTORS}
    readme = (schema.REFERENCE_DIR.parent / "README.md").read_text(encoding="utf-8")
    for inj in demo.INJECTORS:
        assert inj.pattern[:3] in {f"({c})" for c in "abcdefghi"}, inj.label
        assert inj.doc.startswith("domain.md §") and "[S" in inj.doc, inj.label
        assert f"`{inj.label}` {inj.pattern[:3]}" in readme, inj.label  # described in data/README.md
        assert inj.count >= 1 and callable(inj.apply)
        assert inj.stream in demo.STREAMS
    # the counts are the planted share of data/README.md ("about 4.3 % of enterprises at scale 1")
    assert sum(inj.count for inj in demo.INJECTORS) / demo.BASE_ENTERPRISES == pytest.approx(0.043, abs=0.001)


def test_each_stream_is_its_own_spawned_seed_sequence():
    assert len(set(demo.STREAMS)) == len(demo.STREAMS)
    ctx = demo._Ctx(0.03, 11)
    longer = np.random.SeedSequence(11).spawn(len(demo.STREAMS) + 3)  # a stream appended shifts nothing
    for k, name in enumerate(demo.STREAMS):
        expected = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(k,))).random(4)
        assert (ctx.rng(name).random(4) == expected).all(), name
        assert (np.random.default_rng(longer[k]).random(4) == expected).all(), name
    assert (ctx.rng("units").random(4) == ctx.rng("units").random(4)).all()  # each call starts the stream
    assert not (ctx.rng("units").random(4) == demo._Ctx(0.03, 12).rng("units").random(4)).any()
    with pytest.raises(KeyError):
        ctx.rng("no such stream")


def test_a_stream_appended_to_streams_changes_no_existing_draw(small, monkeypatch):
    """STREAMS is append-only: a new component drawing from a new stream leaves every file as it was."""
    monkeypatch.setattr(demo, "STREAMS", (*demo.STREAMS, "inject:a_future_pattern"))
    again = demo.generate(scale=0.03, seed=11)
    for name in small:
        pd.testing.assert_frame_equal(small[name], again[name])


def test_every_contract_table_with_contract_columns(national):
    for table in schema.TABLES:
        assert list(national[table.name].columns) == table.names, table.name


def test_emission_formula_holds_on_every_row(national):
    m = national["monthly_reports"]
    formula = m.fuel_consumed * m.ncv * m.carbon_content * m.oxidation_rate * 44 / 12
    rel = (formula - m.reported_emissions_t).abs() / m.reported_emissions_t.clip(lower=1)
    # inputs are rounded to their reporting precision (NCV 3, CC 5 decimals)
    assert rel.quantile(0.999) < 5e-4


def test_national_verified_emissions_in_published_range(national):
    v = national["verifications"].groupby("year").verified_t.sum()
    for year in range(2019, 2024):
        assert 4.0e9 <= v[year] <= 5.5e9, (year, v[year])
    # and they follow the published level of each cycle within 5 %
    for year, target in mrv.NATIONAL_EMISSIONS_T.items():
        assert abs(v[year] / target - 1) < 0.05, year


def test_about_2200_enterprises_in_proportion_to_the_mee_lists(national):
    ent = national["enterprises"]
    assert 2150 <= len(ent) <= 2250
    units_per = national["units"].groupby("enterprise_id").size()
    assert units_per.between(1, 6).all()
    assert set(national["units"].unit_class) == set(schema.UNIT_CLASSES)
    expected = demo._province_counts(len(ent), demo._provinces())
    got = ent.province_code.value_counts().reindex(expected.index, fill_value=0)
    assert (got == expected).all()
    assert got["37"] > got["11"] * 10  # Shandong vs Beijing, as in the lists


def test_names_are_synthetic(national):
    plants = pd.read_csv(schema.REFERENCE_DIR / "china_power_plants_coal_gas_wri.csv")
    assert not set(national["enterprises"].name) & set(plants.name)
    assert national["enterprises"].enterprise_id.is_unique


def test_physical_ranges(joined):
    coal = joined[(joined.fuel_type == "coal") & (joined.operating_hours > 200)]
    assert coal.ncv.between(17, 26).all()
    measured = coal[coal.carbon_content_source == "measured"]
    assert measured.carbon_content.quantile(0.01) > 0.0250
    assert measured.carbon_content.quantile(0.99) < 0.0290
    assert measured.carbon_ar_pct.between(40, 70).all()
    assert (measured.moisture_ad_pct <= measured.total_moisture_pct).all()
    default = coal[coal.carbon_content_source == "default"]
    expected = np.where(default.period < "2022-01", mrv.DEFAULT_CC_2021, mrv.DEFAULT_CC_2022)
    assert np.allclose(default.carbon_content, expected)
    assert default.carbon_ar_pct.isna().all() and default.lab_id.isna().all()
    # supply coal rate of plain (non-CHP) units, honest or not, in 200-420 gce/kWh
    plain = coal[~coal.chp]
    rate = plain.fuel_consumed * plain.ncv / mrv.GJ_PER_TCE / plain.supply_mwh * 1000
    assert rate.between(200, 420).mean() > 0.995
    assert rate.median() == pytest.approx(310, abs=25)
    hours_in_month = pd.PeriodIndex(joined.period, freq="M").days_in_month * 24
    assert (joined.operating_hours <= hours_in_month).all()
    assert (joined.supply_mwh <= joined.generation_mwh).all()


def test_seasonality_summer_and_winter_peaks_february_dip(joined):
    by_month = joined.groupby(joined.period.str[5:7]).generation_mwh.sum()
    assert by_month["02"] < by_month["01"] and by_month["02"] < by_month["07"]
    assert by_month["08"] > by_month["04"]


def test_measured_share_follows_published_figures(joined):
    coal = joined[joined.fuel_type == "coal"]
    share = (coal.carbon_content_source == "measured").groupby(coal.year).mean()
    assert share[2019] == pytest.approx(0.66, abs=0.05)
    assert share[2022] == pytest.approx(0.93, abs=0.03)
    assert share.is_monotonic_increasing or share.diff().min() > -0.02


def test_trades_reproduce_the_real_market(national):
    tr = national["trades"]
    real = demo.market_raw().set_index("date")
    tr = tr.assign(date=tr.ts.str[:10], amount=tr.volume_t * tr.price_cny)
    day = tr.groupby("date").volume_t.sum()
    traded = real[real.total_volume_t > 0]
    assert set(day.index) == set(traded.index)
    assert ((day.reindex(traded.index) / traded.total_volume_t - 1).abs() < 0.01).all()
    lst = tr[tr.method == "listing"].groupby("date")[["volume_t", "amount"]].sum()
    ref = traded[traded.listing_volume_t > 0]
    vwap = lst.amount / lst.volume_t
    assert ((vwap.reindex(ref.index) / (ref.listing_amount_cny / ref.listing_volume_t) - 1).abs() < 0.01).all()
    assert (tr[tr.method == "listing"].volume_t < 100_000).all()
    assert (tr[tr.method == "block"].volume_t >= 100_000).all()
    t = pd.to_datetime(tr.ts).dt.strftime("%H:%M")
    block = tr.method == "block"
    assert t[block].between("13:00", "15:00").all()
    assert t[~block].between("09:30", "15:00").all()
    assert not (tr.buyer_account == tr.seller_account).any()
    md = national["market_daily"].set_index("date")
    assert (md.close.dropna() == real.close.dropna()).all()


def test_two_to_four_percent_of_enterprises_carry_labelled_irregularities(national):
    confirmed = national["case_labels"].query("outcome == 'confirmed'")
    share = confirmed.enterprise_id.nunique() / len(national["enterprises"])
    assert 0.02 <= share <= 0.045
    assert set(confirmed.pattern) == set(demo.PATTERNS)
    assert set(confirmed.enterprise_id) <= set(national["enterprises"].enterprise_id)


def test_batch_testing_shows_one_test_date_and_consecutive_numbers(national, joined):
    for _, lab in labelled(national, "batch_testing").iterrows():
        rows = joined[(joined.enterprise_id == lab.enterprise_id) & (joined.year == int(lab.period))]
        rows = rows.drop_duplicates("period")
        assert rows.test_date.nunique() == 1
        seq = rows.lab_report_no.str[-5:].astype(int).sort_values()
        assert (seq.diff().dropna() == 1).all()


def test_understated_coal_lowers_the_coal_rate(national, joined):
    for _, lab in labelled(national, "coal_understated").iterrows():
        rows = joined[joined.enterprise_id == lab.enterprise_id]
        rate = rows.fuel_consumed / rows.supply_mwh.clip(lower=1)
        inside = rows.year == int(lab.period)
        assert rate[inside].min() < rate[~inside].median() * 0.9


def test_late_and_missing_deposits(national, joined):
    for _, lab in labelled(national, "late_deposit").iterrows():
        rows = joined[(joined.enterprise_id == lab.enterprise_id) & (joined.period == lab.period)]
        deadline = mrv.deposit_deadline(pd.Period(lab.period).to_timestamp().date())
        assert (pd.to_datetime(rows.submitted_at).dt.date > deadline).all()
    for _, lab in labelled(national, "missing_deposit").iterrows():
        own = joined[joined.enterprise_id == lab.enterprise_id]
        assert own[own.period == lab.period].empty
        assert (own.period > lab.period).any()  # a gap between deposits, not the end of the data


def test_verifier_gap_passes_a_report_below_the_monthly_sum(national, joined):
    ver = national["verifications"].set_index(["enterprise_id", "year"])
    for _, lab in labelled(national, "verifier_gap").iterrows():
        y = int(lab.period)
        monthly = joined[(joined.enterprise_id == lab.enterprise_id) & (joined.year == y)].reported_emissions_t.sum()
        row = ver.loc[(lab.enterprise_id, y)]
        assert row.conclusion == "pass" and row.verified_t < monthly * 0.93


def test_round_trips_are_within_one_group(national):
    accounts = national["accounts"].merge(national["enterprises"][["enterprise_id", "group_name"]], how="left")
    group = accounts.set_index("account_id").group_name
    ids = set(labelled(national, "trade_round_trip").enterprise_id)
    acc = accounts[accounts.enterprise_id.isin(ids)].account_id
    tr = national["trades"]
    pair = tr[tr.buyer_account.isin(acc) & tr.seller_account.isin(acc)]
    assert len(pair) >= 2
    assert (group[pair.buyer_account].to_numpy() == group[pair.seller_account].to_numpy()).all()


def test_off_market_blocks_are_off_the_close_and_off_the_days_other_block_trades(national):
    """The pattern as the surveillance defines it (core.store.surveillance: more than 20 % from the previous
    close and more than 15 % from the day's other block trades), not just below the close on a day when
    every block trade was."""
    tr = national["trades"].assign(day=lambda t: t.ts.str[:10])
    block = tr[tr.method == "block"]
    accounts = national["accounts"].dropna(subset=["enterprise_id"])
    acc = set(accounts[accounts.enterprise_id.isin(labelled(national, "off_market_block").enterprise_id)].account_id)
    planted = block[block.buyer_account.isin(acc) & block.seller_account.isin(acc)]
    assert len(planted) == labelled(national, "off_market_block").enterprise_id.nunique() // 2
    prev = national["market_daily"].set_index("date").close.shift(1)
    for t in planted.itertuples():
        assert t.price_cny / prev[t.day] - 1 < -0.20, t
        others = block[(block.day == t.day) & (block.trade_id != t.trade_id)]
        if len(others):
            vwap = (others.volume_t * others.price_cny).sum() / others.volume_t.sum()
            assert t.price_cny / vwap - 1 < -0.15, t


def test_planted_cycles_marked_closes_and_deadline_dumps_are_in_the_trades(national):
    tr = national["trades"].assign(day=lambda t: t.ts.str[:10], time=lambda t: t.ts.str[11:16])
    account = national["accounts"].dropna(subset=["enterprise_id"]).set_index("enterprise_id").account_id
    block = tr[tr.method == "block"]
    # cycles: the labelled enterprises pass block trades around a closed loop within a week
    cyc = account[labelled(national, "trade_cycle").enterprise_id.unique()]
    legs = block[block.seller_account.isin(cyc) & block.buyer_account.isin(cyc)]
    assert len(legs) >= 3 and set(legs.seller_account) == set(legs.buyer_account)
    # marked closes: a listing trade after 14:55 by the labelled account lifts (or lowers) the day's VWAP
    for lab in labelled(national, "close_marking").itertuples():
        acc = account[lab.enterprise_id]
        late = tr[(tr.method == "listing") & (tr.time >= "14:55") & tr.day.str.startswith(lab.period)
                  & ((tr.buyer_account == acc) | (tr.seller_account == acc))]
        assert len(late), lab
        day = tr[(tr.method == "listing") & (tr.day == late.day.iat[0])]
        rest = day.drop(late.index)
        vwap = (day.volume_t * day.price_cny).sum() / day.volume_t.sum()
        assert abs(vwap / ((rest.volume_t * rest.price_cny).sum() / rest.volume_t.sum()) - 1) > 0.02
    # deadline dumps: three or more block sales in the 30 days before a compliance deadline
    # by an account that has not traded in the year before: far more than its own history
    deadlines = sorted({d.isoformat() for d in mrv.COMPLIANCE_DUE.values()})
    for e in labelled(national, "deadline_dump").enterprise_id.unique():
        sold = block[block.seller_account == account[e]]
        start = {d: (pd.Timestamp(d) - pd.Timedelta(days=30)).strftime("%Y-%m-%d") for d in deadlines}
        dumped = [d for d in deadlines if len(sold[(sold.day <= d) & (sold.day > start[d])]) >= 3]
        assert dumped, e
        year_before = (pd.Timestamp(start[dumped[0]]) - pd.Timedelta(days=365)).strftime("%Y-%m-%d")
        own = tr[(tr.buyer_account == account[e]) | (tr.seller_account == account[e])]
        assert own[(own.day > year_before) & (own.day <= start[dumped[0]])].empty, e
