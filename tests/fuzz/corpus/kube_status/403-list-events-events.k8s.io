/HTTP/1.1 403 Whatever
2
shop
{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "events.events.k8s.io is forbidden: User \"system:serviceaccount:k8s-doctor:k8s-doctor\" cannot list resource \"events\" in API group \"events.k8s.io\" in the namespace \"default\"",
  "reason": "Forbidden",
  "details": {
    "group": "events.k8s.io",
    "kind": "events"
  },
  "code": 403
}
