// Keystone's (Zed) default policy, as it is enforced out of the box: with
// oslo.policy's enforce_new_defaults off, each rule is its new secure-RBAC
// check string OR'ed with the deprecated one it replaces, which is what a
// DevStack cloud runs. Check strings are oslo.policy's language (policy-check.ts).
export const rules: Record<string, string> = {
  'identity:get_access_rule': '(role:reader and system_scope:all) or user_id:%(target.user.id)s',
  'identity:list_access_rules': '(role:reader and system_scope:all) or user_id:%(target.user.id)s',
  'identity:delete_access_rule': '(role:admin and system_scope:all) or user_id:%(target.user.id)s',
  'identity:get_application_credential': '((role:reader and system_scope:all) or rule:owner) or (rule:admin_or_owner)',
  'identity:list_application_credentials':
    '((role:reader and system_scope:all) or rule:owner) or (rule:admin_or_owner)',
  'identity:create_application_credential': 'user_id:%(user_id)s',
  'identity:delete_application_credential':
    '((role:admin and system_scope:all) or rule:owner) or (rule:admin_or_owner)',
  'identity:get_auth_catalog': '',
  'identity:get_auth_projects': '',
  'identity:get_auth_domains': '',
  'identity:get_auth_system': '',
  admin_required: 'role:admin or is_admin:1',
  service_role: 'role:service',
  service_or_admin: 'rule:admin_required or rule:service_role',
  owner: 'user_id:%(user_id)s',
  admin_or_owner: 'rule:admin_required or rule:owner',
  token_subject: 'user_id:%(target.token.user_id)s',
  admin_or_token_subject: 'rule:admin_required or rule:token_subject',
  service_admin_or_token_subject: 'rule:service_or_admin or rule:token_subject',
  'identity:get_consumer': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_consumers': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_consumer': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_consumer': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_consumer': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_credential':
    '((role:reader and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required)',
  'identity:list_credentials':
    '((role:reader and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required)',
  'identity:create_credential':
    '((role:admin and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required)',
  'identity:update_credential':
    '((role:admin and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required)',
  'identity:delete_credential':
    '((role:admin and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required)',
  'identity:get_domain':
    '((role:reader and system_scope:all) or token.domain.id:%(target.domain.id)s or token.project.domain.id:%(target.domain.id)s) or (rule:admin_required or token.project.domain.id:%(target.domain.id)s)',
  'identity:list_domains': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_domain': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_domain': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_domain': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:create_domain_config': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_domain_config': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:get_security_compliance_domain_config': '',
  'identity:update_domain_config': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_domain_config': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_domain_config_default': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:ec2_get_credential':
    '((role:reader and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required or (rule:owner and user_id:%(target.credential.user_id)s))',
  'identity:ec2_list_credentials': '((role:reader and system_scope:all) or rule:owner) or (rule:admin_or_owner)',
  'identity:ec2_create_credential': '((role:admin and system_scope:all) or rule:owner) or (rule:admin_or_owner)',
  'identity:ec2_delete_credential':
    '((role:admin and system_scope:all) or user_id:%(target.credential.user_id)s) or (rule:admin_required or (rule:owner and user_id:%(target.credential.user_id)s))',
  'identity:get_endpoint': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoints': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_endpoint': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_endpoint': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_endpoint': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:create_endpoint_group': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoint_groups': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:get_endpoint_group': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:update_endpoint_group': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_endpoint_group': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:list_projects_associated_with_endpoint_group':
    '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoints_associated_with_endpoint_group':
    '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:get_endpoint_group_in_project': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoint_groups_for_project': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:add_endpoint_group_to_project': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:remove_endpoint_group_from_project': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_grant':
    '((role:reader and system_scope:all) or ((role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)) or (rule:admin_required)',
  'identity:list_grants':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) or (rule:admin_required)',
  'identity:create_grant':
    '((role:admin and system_scope:all) or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)) or (rule:admin_required)',
  'identity:revoke_grant':
    '((role:admin and system_scope:all) or ((role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)) and (domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s)) or (rule:admin_required)',
  'identity:list_system_grants_for_user': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:check_system_grant_for_user': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_system_grant_for_user': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:revoke_system_grant_for_user': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:list_system_grants_for_group': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:check_system_grant_for_group': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_system_grant_for_group': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:revoke_system_grant_for_group': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_group':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:list_groups':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:list_groups_for_user':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(user_id)s) or (rule:admin_or_owner)',
  'identity:create_group':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:update_group':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:delete_group':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:list_users_in_group':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s)) or (rule:admin_required)',
  'identity:remove_user_from_group':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)) or (rule:admin_required)',
  'identity:check_user_in_group':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)) or (rule:admin_required)',
  'identity:add_user_to_group':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.group.domain_id)s and domain_id:%(target.user.domain_id)s)) or (rule:admin_required)',
  'identity:get_implied_role': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_implied_roles': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_implied_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_implied_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:list_role_inference_rules': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:check_implied_role': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:get_limit_model': '',
  'identity:get_limit':
    '(role:reader and system_scope:all) or (domain_id:%(target.limit.domain.id)s or domain_id:%(target.limit.project.domain_id)s) or (project_id:%(target.limit.project_id)s and not None:%(target.limit.project_id)s)',
  'identity:list_limits': '',
  'identity:create_limits': 'role:admin and system_scope:all',
  'identity:update_limit': 'role:admin and system_scope:all',
  'identity:delete_limit': 'role:admin and system_scope:all',
  'identity:get_policy': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_policies': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_policy': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_policy': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_policy': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:create_policy_association_for_endpoint': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_policy_association_for_endpoint': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:delete_policy_association_for_endpoint': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:create_policy_association_for_service': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_policy_association_for_service': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:delete_policy_association_for_service': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:create_policy_association_for_region_and_service':
    '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_policy_association_for_region_and_service':
    '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:delete_policy_association_for_region_and_service':
    '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_policy_for_endpoint': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoints_for_policy': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:get_project':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s) or (rule:admin_required or project_id:%(target.project.id)s)',
  'identity:list_projects':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)) or (rule:admin_required)',
  'identity:list_user_projects':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s) or (rule:admin_or_owner)',
  'identity:create_project':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)) or (rule:admin_required)',
  'identity:update_project':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)) or (rule:admin_required)',
  'identity:delete_project':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s)) or (rule:admin_required)',
  'identity:list_project_tags':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s) or (rule:admin_required or project_id:%(target.project.id)s)',
  'identity:get_project_tag':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or project_id:%(target.project.id)s) or (rule:admin_required or project_id:%(target.project.id)s)',
  'identity:update_project_tags':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)) or (rule:admin_required)',
  'identity:create_project_tag':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)) or (rule:admin_required)',
  'identity:delete_project_tags':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)) or (rule:admin_required)',
  'identity:delete_project_tag':
    '((role:admin and system_scope:all) or (role:admin and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)) or (rule:admin_required)',
  'identity:list_projects_for_endpoint': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:add_endpoint_to_project': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_endpoint_in_project': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_endpoints_for_project': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:remove_endpoint_from_project': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_region': '',
  'identity:list_regions': '',
  'identity:create_region': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_region': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_region': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_registered_limit': '',
  'identity:list_registered_limits': '',
  'identity:create_registered_limits': 'role:admin and system_scope:all',
  'identity:update_registered_limit': 'role:admin and system_scope:all',
  'identity:delete_registered_limit': 'role:admin and system_scope:all',
  'identity:get_role': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_roles': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:get_domain_role': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_domain_roles': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_domain_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_domain_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_domain_role': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:list_role_assignments':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)) or (rule:admin_required)',
  'identity:list_role_assignments_for_tree':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.project.domain_id)s) or (role:admin and project_id:%(target.project.id)s)) or (rule:admin_required)',
  'identity:get_service': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_services': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:create_service': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:update_service': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:delete_service': '(role:admin and system_scope:all) or (rule:admin_required)',
  'identity:check_token': '((role:reader and system_scope:all) or rule:token_subject) or (rule:admin_or_token_subject)',
  'identity:validate_token':
    '((role:reader and system_scope:all) or rule:service_role or rule:token_subject) or (rule:service_admin_or_token_subject)',
  'identity:revoke_token': '((role:admin and system_scope:all) or rule:token_subject) or (rule:admin_or_token_subject)',
  'identity:create_trust': 'user_id:%(trust.trustor_user_id)s',
  'identity:list_trusts': '(role:reader and system_scope:all) or (rule:admin_required)',
  'identity:list_trusts_for_trustor': 'role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s',
  'identity:list_trusts_for_trustee': 'role:reader and system_scope:all or user_id:%(target.trust.trustee_user_id)s',
  'identity:list_roles_for_trust':
    '(role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s) or (user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)',
  'identity:get_role_for_trust':
    '(role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s) or (user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)',
  'identity:delete_trust':
    '(role:admin and system_scope:all or user_id:%(target.trust.trustor_user_id)s) or (user_id:%(target.trust.trustor_user_id)s)',
  'identity:get_trust':
    '(role:reader and system_scope:all or user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s) or (user_id:%(target.trust.trustor_user_id)s or user_id:%(target.trust.trustee_user_id)s)',
  'identity:get_user':
    '((role:reader and system_scope:all) or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s) or (rule:admin_or_owner)',
  'identity:list_users':
    '((role:reader and system_scope:all) or (role:reader and domain_id:%(target.domain_id)s)) or (rule:admin_required)',
  'identity:list_projects_for_user': '',
  'identity:list_domains_for_user': '',
  'identity:create_user':
    '((role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)) or (rule:admin_required)',
  'identity:update_user':
    '((role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)) or (rule:admin_required)',
  'identity:delete_user':
    '((role:admin and system_scope:all) or (role:admin and token.domain.id:%(target.user.domain_id)s)) or (rule:admin_required)',
};
