/* SPDX-License-Identifier: MIT */
/*
 * Python typemaps for libk8sagent. Builds the low-level module `_k8sagent_c` (with its SWIG
 * proxy `k8sagent_c.py`); the `k8sagent` package is the Pythonic layer on top of it.
 *
 * Run SWIG with -threads: every library call runs with the GIL released (network waits do
 * not stop other Python threads); the typemaps below run with the GIL held.
 *
 * Conventions:
 * - a `k8sa_error *err` parameter disappears from the Python signature; when the call fails
 *   its code, HTTP status and message become an exception from k8sagent.errors (a
 *   RuntimeError when that package cannot be imported);
 * - a returned k8sa_status that is not K8SA_OK raises as well, so wrapped functions return
 *   None or their outputs, never a status (except those marked K8SA_STATUS_AS_VALUE);
 * - `char **` outputs (every new string of the library) become str (None when NULL) and are
 *   freed with k8sa_free(); `const char *` results (borrowed) are copied into str;
 * - handle out-parameters become objects owned by Python (freed by the collector).
 */
%module k8sagent_c

%{
#include <string.h>
#include <k8sagent/k8sagent.h>

/* str from library text: invalid UTF-8 (cluster logs) is replaced, never an exception. */
static PyObject *k8sa_py_str(const char *s, size_t len)
{
	if (!s)
		Py_RETURN_NONE;
	return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
}

/* Raise the exception for a failed call: k8sagent.errors._from_status() picks the class. */
static void k8sa_py_raise(k8sa_status code, int http_status, int retry_after, const char *msg)
{
	const char *name = k8sa_strerror(code);
	PyObject *pymsg, *mod, *exc = NULL;

	if (!msg || !*msg)
		msg = name;
	pymsg = k8sa_py_str(msg, strlen(msg));
	if (!pymsg)
		return;
	mod = PyImport_ImportModule("k8sagent.errors");
	if (mod) {
		exc = PyObject_CallMethod(mod, "_from_status", "isiiO", (int)code, name, http_status,
					  retry_after, pymsg);
		Py_DECREF(mod);
	}
	if (exc) {
		PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
		Py_DECREF(exc);
	} else {
		PyErr_Clear();
		PyErr_Format(PyExc_RuntimeError, "%s: %U", name, pymsg);
	}
	Py_DECREF(pymsg);
}
%}

%init %{
	k8sa_global_init();
%}

/* ---- errors ----------------------------------------------------------------------------- */

%typemap(in, numinputs=0) k8sa_error *err (k8sa_error errtemp) {
	memset(&errtemp, 0, sizeof(errtemp));
	$1 = &errtemp;
}
%typemap(argout) k8sa_error *err {
	if ($1->code != K8SA_OK && !PyErr_Occurred())
		k8sa_py_raise($1->code, $1->http_status, $1->retry_after, $1->message);
}

%typemap(out) k8sa_status {
	$result = SWIG_Py_Void();
}
/* After every argout: a failure without detail still raises; outputs are dropped. */
%typemap(ret) k8sa_status {
	if ($1 != K8SA_OK || PyErr_Occurred()) {
		if (!PyErr_Occurred())
			k8sa_py_raise($1, 0, 0, NULL);
		Py_XDECREF(resultobj);
		return NULL;
	}
}

%define K8SA_STATUS_AS_VALUE(FUNC)
%typemap(out) k8sa_status FUNC {
	$result = PyLong_FromLong((long)$1);
}
%typemap(ret) k8sa_status FUNC "";
%enddef

/* ---- strings ---------------------------------------------------------------------------- */

/* Borrowed strings: copied into str. (No function returns an owned `char *`.) */
%typemap(out) const char * {
	$result = k8sa_py_str($1, $1 ? strlen($1) : 0);
}

%typemap(in, numinputs=0) char ** (char *strtemp = NULL) {
	$1 = &strtemp;
}
%typemap(argout) char ** {
	if (!PyErr_Occurred() && *$1) {
		PyObject *o = k8sa_py_str(*$1, strlen(*$1));
		$result = SWIG_Python_AppendOutput($result, o);
	}
}
%typemap(freearg) char ** {
	k8sa_free(*$1);
}

/* (text, len) inputs take str (encoded as UTF-8) or bytes. */
%typemap(in) (const char *text, size_t len) (Py_ssize_t tlen = 0, const char *tbuf = NULL) {
	if (PyUnicode_Check($input)) {
		tbuf = PyUnicode_AsUTF8AndSize($input, &tlen);
		if (!tbuf)
			SWIG_fail;
	} else if (PyBytes_Check($input)) {
		char *b = NULL;
		if (PyBytes_AsStringAndSize($input, &b, &tlen) < 0)
			SWIG_fail;
		tbuf = b;
	} else {
		PyErr_SetString(PyExc_TypeError, "expected str or bytes");
		SWIG_fail;
	}
	$1 = (char *)tbuf;
	$2 = (size_t)tlen;
}
%typemap(typecheck) (const char *text, size_t len) {
	$1 = PyUnicode_Check($input) || PyBytes_Check($input);
}

/* Optional output lengths the wrappers do not need. */
%typemap(in, numinputs=0) size_t *out_len "$1 = NULL;";

/* ---- streaming -------------------------------------------------------------------------- */

/* The next chunk as bytes (a UTF-8 sequence may be split across chunks: the Python layer
 * decodes incrementally), None at the end of the answer. */
%typemap(in, numinputs=0) (const char **chunk, size_t *len) (const char *ctemp = NULL, size_t cltemp = 0) {
	$1 = ($1_ltype)&ctemp;
	$2 = &cltemp;
}
%typemap(argout) (const char **chunk, size_t *len) {
	if (!PyErr_Occurred()) {
		PyObject *o;
		if (*$1) {
			o = PyBytes_FromStringAndSize(*$1, (Py_ssize_t)*$2);
		} else {
			Py_INCREF(Py_None);
			o = Py_None;
		}
		$result = SWIG_Python_AppendOutput($result, o);
	}
}

/* ---- investigation ---------------------------------------------------------------------- */

/* A tool's own outcome is data (the model sees it), not an exception. */
%typemap(in, numinputs=0) k8sa_status *tool_status (k8sa_status tstemp = K8SA_OK) {
	$1 = &tstemp;
}
%typemap(argout) k8sa_status *tool_status {
	if (!PyErr_Occurred())
		$result = SWIG_Python_AppendOutput($result, PyLong_FromLong((long)*$1));
}

/* A session's next event as (type, text, json), or None after the last one. The event is
 * borrowed from the session: it is copied into Python objects at once. */
%typemap(in, numinputs=0) const k8sa_event **event (const k8sa_event *evtemp = NULL) {
	$1 = ($1_ltype)&evtemp;
}
%typemap(argout) const k8sa_event **event {
	if (!PyErr_Occurred()) {
		PyObject *o;
		if (*$1) {
			const char *t = k8sa_event_text(*$1), *j = k8sa_event_json(*$1);
			o = Py_BuildValue("(iNN)", (int)k8sa_event_type(*$1), k8sa_py_str(t, strlen(t)),
					  k8sa_py_str(j, strlen(j)));
		} else {
			Py_INCREF(Py_None);
			o = Py_None;
		}
		$result = SWIG_Python_AppendOutput($result, o);
	}
}

/* ---- handles ---------------------------------------------------------------------------- */

%define K8SA_OUT_HANDLE(TYPE)
%typemap(in, numinputs=0) TYPE **out (TYPE *htemp = NULL) {
	$1 = &htemp;
}
%typemap(argout) TYPE **out {
	if (!PyErr_Occurred() && *$1)
		$result = SWIG_Python_AppendOutput($result,
			SWIG_NewPointerObj(SWIG_as_voidptr(*$1), $*1_descriptor, SWIG_POINTER_OWN));
	else if (*$1)
		TYPE ## _free(*$1); /* a failure that still produced a handle: never leak it */
}
%enddef

%include "k8sagent.i"
