"""Track distribution: how participants spread over tracks and tables (post-event review)."""

import streamlit as st

from eventflow import statistics, ui
from eventflow.formatting import to_safe_csv

context = ui.require_event()

st.title("Track distribution")
st.caption("Active tracks only. A participant in two tracks counts in both, so shares can add up to more than 100 %.")
projector = st.toggle("Projector mode (larger text)", key="projector_mode")
font_size = 22 if projector else 15

report = context.read(statistics.distribution_report)  # one transaction for the whole page
distribution, by_seating, mix, comparison = report.distribution, report.seating, report.table_mix, report.comparison

if distribution.empty:
    st.info("This event has no active tracks yet — add them under Event settings.")
    st.stop()

per_track, seated_tab, tables_tab, events_tab = st.tabs(
    ["Participants per track", "Seated vs unseated", "Track mix per table", "Across events"])
with per_track:
    st.plotly_chart(statistics.distribution_figure(distribution, font_size), width="stretch", theme=None)
    st.dataframe(distribution, hide_index=True, column_config={
        "percentage": st.column_config.NumberColumn("Share (%)", format="%.2f")})
    st.download_button("Download CSV", to_safe_csv(distribution), "track-distribution.csv", "text/csv",
                       key="csv_distribution", on_click="ignore")
with seated_tab:
    st.plotly_chart(statistics.seating_figure(by_seating, font_size), width="stretch", theme=None)
    st.dataframe(by_seating, hide_index=True)
    st.download_button("Download CSV", to_safe_csv(by_seating), "seated-by-track.csv", "text/csv",
                       key="csv_seated", on_click="ignore")
with tables_tab:
    if mix.empty:
        st.info("This event has no tables yet.")
    else:
        st.plotly_chart(statistics.table_mix_figure(mix, font_size), width="stretch", theme=None)
        st.download_button("Download CSV", to_safe_csv(mix), "table-track-mix.csv", "text/csv", key="csv_mix",
                           on_click="ignore")
with events_tab:
    st.plotly_chart(statistics.comparison_figure(comparison, font_size), width="stretch", theme=None)
    st.dataframe(comparison, hide_index=True)
    st.download_button("Download CSV", to_safe_csv(comparison), "events-comparison.csv", "text/csv",
                       key="csv_comparison", on_click="ignore")
