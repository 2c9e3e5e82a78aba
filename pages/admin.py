"""基础数据 — grids, staff, departments, cameras, categories and time limits, calendars; imports with row errors;
devices the ingest did not know; ingest health and dead letters. Admin only."""
import streamlit as st

from dashboard import admin_view as av, auth, cached
from dashboard.widgets import L
from db import labels

user = auth.require("admin")
url = cached.db_url()
st.title(L["adm_title"], anchor=False)
av.show_outcome()

tabs = st.tabs([L[k] for k in ("adm_tab_grids", "adm_tab_staff", "adm_tab_depts", "adm_tab_cameras",
                                "adm_tab_categories", "adm_tab_calendars", "adm_tab_import", "adm_tab_unreg",
                                "adm_tab_health")])
with tabs[0]:
    av.browse(url, "grids", {"code": L["adm_code"], "name": L["adm_name"], "community_name": L["col_community"],
                             "kind": L["adm_kind"], "households": L["adm_households"],
                             "population": L["adm_population"], "staff_count": L["adm_staff_count"]},
              {"kind": labels.GRID_KIND.get})
with tabs[1]:
    av.browse(url, "staff", {"code": L["adm_code"], "name": L["adm_name"], "role": L["adm_role"],
                             "phone": L["col_reporter_phone"], "area_name": L["adm_area"], "dept_name": L["col_dept"],
                             "grid_codes": L["adm_grids"], "active": L["adm_active"]},
              {"role": labels.STAFF_ROLE.get})
with tabs[2]:
    rows = av.browse(url, "departments", {"code": L["adm_code"], "name": L["adm_name"], "tier": L["adm_tier"],
                                          "duty_phone": L["adm_duty_phone"],
                                          "checkin_minutes": L["adm_checkin_minutes"], "active": L["adm_active"]},
                     {"tier": labels.DEPT_TIER.get})
    av.department_editor(url, user, rows)
with tabs[3]:
    av.browse(url, "cameras", {"code": L["adm_code"], "name": L["adm_name"], "status": L["col_state"],
                               "vendor": L["adm_vendor"], "grid_code": L["col_grid"], "lon": L["adm_lon"],
                               "lat": L["adm_lat"]}, {"status": labels.DEVICE_STATUS.get})
with tabs[4]:
    cols = {"code": L["adm_code"], "name": L["adm_name"], "level": L["adm_level"], "clock_mode": L["adm_clock"],
            "urgent": L["adm_urgent"], **{c: L["adm_" + c] for c in av.qa.LIMIT_COLUMNS},
            "default_dept": L["adm_default_dept"]}
    rows = av.browse(url, "categories", cols, {"level": labels.CATEGORY_LEVEL.get,
                                               "clock_mode": labels.CLOCK_MODE.get})
    av.category_editor(url, user, rows)
with tabs[5]:
    av.calendars(url, user)
with tabs[6]:
    av.imports(url, user)
with tabs[7]:
    av.unregistered(url, user)
with tabs[8]:
    av.ingest_health(url, user)
