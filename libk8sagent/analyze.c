/* SPDX-License-Identifier: MIT */
/* The k8sa_analyze() driver: every analyzer over one snapshot, then the root-cause pass.
 * Findings are built in finding.c, shared evidence in analyze_evidence.c. */
#include "internal.h"
#include "analyze_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- driver -------------------------------------------------------------------------------- */

K8SA_EXPORT k8sa_status k8sa_analyze(const k8sa_snapshot *snap, k8sa_findings **out, k8sa_error *err)
{
	if (!snap || !out)
		return k8sa_fail(err, K8SA_E_INVALID_ARG, "snapshot and out are required");
	*out = NULL;
	k8sa_findings *f = calloc(1, sizeof(*f));
	if (!f)
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	f->ns = strdup(snap->ns ? snap->ns : "*");
	if (!f->ns) {
		free(f);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory");
	}
	f->incomplete = snap->core_gaps > 0;
	/* gaps quote servers' messages: redacted like everything a finding says */
	for (size_t i = 0; i < snap->ngaps && !f->nomem; i++)
		f->nomem = a_strv_push(&f->gaps, k8sa_redact_dup(NULL, snap->gaps[i], strlen(snap->gaps[i]), NULL)) < 0;
	a_ctx c = {.snap = snap, .m = (m_model *)&snap->m, .f = f, .now = snap->m.ref_time};
	/* order matters only for the tie-breaks: upstream objects first */
	a_analyze_nodes(&c);
	a_analyze_quotas(&c);
	a_analyze_storage(&c);
	a_analyze_pods(&c);
	a_analyze_workloads(&c);
	a_analyze_jobs(&c);
	a_analyze_services(&c);
	a_analyze_hpas(&c);
	if (!f->nomem)
		a_root_causes(&c);
	if (f->nomem) {
		k8sa_findings_free(f);
		return k8sa_fail(err, K8SA_E_NOMEM, "out of memory while analyzing");
	}
	*out = f;
	return K8SA_OK;
}
