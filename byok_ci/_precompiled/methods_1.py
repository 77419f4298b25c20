# Written by `python -m byok_ci._precompiled.generate` with Python 3.11, dataclasses' text format 8d7a3678dd3b48b4:
# do not edit.
# The texts are dataclasses' own, compiled as they are: no __future__ import here.
# mypy: ignore-errors
# ruff: noqa

CODE = {}

def __create_fn__(_type_author, _type_date, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,author:_type_author,date:_type_date)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'author',author)
  __dataclass_builtins_object__.__setattr__(self,'date',date)
 return __init__
CODE['dcafb3bf3c44db5405aa3fc785c36a3eb12b96082bf06c6818dce4204afc6704'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('author','date',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['42c9adc9f85b564c940b8e44638f7572afd54898e6f3b12c9effbdc4840a2ba6'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('author','date',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['65f0c0432d9a6c24fa6d07df163ff70c1c9ea9d8d3ab00e67efc566fa5357a90'] = __create_fn__.__code__

def __create_fn__(_type_text, _type_path, _type_line_offset, _type_commit, _type_commit_info, _type_scanned_as, _type_origin, _type_data, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_line_offset, _dflt_commit, _dflt_commit_info, _dflt_scanned_as, _dflt_origin, _dflt_data, _return_type):
 def __init__(self,text:_type_text,path:_type_path,line_offset:_type_line_offset=_dflt_line_offset,commit:_type_commit=_dflt_commit,commit_info:_type_commit_info=_dflt_commit_info,scanned_as:_type_scanned_as=_dflt_scanned_as,origin:_type_origin=_dflt_origin,data:_type_data=_dflt_data)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'text',text)
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'line_offset',line_offset)
  __dataclass_builtins_object__.__setattr__(self,'commit',commit)
  __dataclass_builtins_object__.__setattr__(self,'commit_info',commit_info)
  __dataclass_builtins_object__.__setattr__(self,'scanned_as',scanned_as)
  __dataclass_builtins_object__.__setattr__(self,'origin',origin)
  __dataclass_builtins_object__.__setattr__(self,'data',data)
 return __init__
CODE['4d7e987525ef6c3022b7cdf177100316ad4a18d186686a53bea98f4cd5321866'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('text','path','line_offset','commit','commit_info','scanned_as','origin','data',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['442f1e8a4087402a57bf63a548c0d33ead8688d45f8ba79176dd734030a305d0'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('text','path','line_offset','commit','commit_info','scanned_as','origin','data',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['2fe8ae360007eb8e5a87e8f3e11fde766f4927ecf8250c9f1f24eb2161f62252'] = __create_fn__.__code__

def __create_fn__(_type_status, _type_reason, _type_detail, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_reason, _dflt_detail, _return_type):
 def __init__(self,status:_type_status,reason:_type_reason=_dflt_reason,detail:_type_detail=_dflt_detail)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'status',status)
  __dataclass_builtins_object__.__setattr__(self,'reason',reason)
  __dataclass_builtins_object__.__setattr__(self,'detail',detail)
  self.__post_init__()
 return __init__
CODE['686642253ab43018fab52c777788e52a334b05b98f08993bcda21e7615bcfd0d'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('status','reason','detail',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['11eb78e86c52780b02b2f5863eba1a32135baba61ee88c0e0cbd617c8e6b4cd6'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('status','reason','detail',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['f45de750718c140689ed4d2d70fbaf088f7e77f1f6dceeed3b7870d044fcebaa'] = __create_fn__.__code__

def __create_fn__(_type_rule_id, _type_provider, _type_severity, _type_path, _type_line, _type_column, _type_message, _type_redacted, _type_fingerprint, _type_commit, _type_commit_info, _type_history_only, _type_encoding, _type_source, _type_key, _type_env, _type_scanned_as, _type_audited_false_positive, _type_found_in, _type_reachability, _type_verified, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_commit, _dflt_commit_info, _dflt_history_only, _dflt_encoding, _dflt_source, _dflt_key, _dflt_env, _dflt_scanned_as, _dflt_audited_false_positive, _dflt_found_in, _dflt_reachability, _dflt_verified, _return_type):
 def __init__(self,rule_id:_type_rule_id,provider:_type_provider,severity:_type_severity,path:_type_path,line:_type_line,column:_type_column,message:_type_message,redacted:_type_redacted,fingerprint:_type_fingerprint,commit:_type_commit=_dflt_commit,commit_info:_type_commit_info=_dflt_commit_info,history_only:_type_history_only=_dflt_history_only,encoding:_type_encoding=_dflt_encoding,source:_type_source=_dflt_source,key:_type_key=_dflt_key,env:_type_env=_dflt_env,scanned_as:_type_scanned_as=_dflt_scanned_as,audited_false_positive:_type_audited_false_positive=_dflt_audited_false_positive,found_in:_type_found_in=_dflt_found_in,reachability:_type_reachability=_dflt_reachability,verified:_type_verified=_dflt_verified)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'rule_id',rule_id)
  __dataclass_builtins_object__.__setattr__(self,'provider',provider)
  __dataclass_builtins_object__.__setattr__(self,'severity',severity)
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'line',line)
  __dataclass_builtins_object__.__setattr__(self,'column',column)
  __dataclass_builtins_object__.__setattr__(self,'message',message)
  __dataclass_builtins_object__.__setattr__(self,'redacted',redacted)
  __dataclass_builtins_object__.__setattr__(self,'fingerprint',fingerprint)
  __dataclass_builtins_object__.__setattr__(self,'commit',commit)
  __dataclass_builtins_object__.__setattr__(self,'commit_info',commit_info)
  __dataclass_builtins_object__.__setattr__(self,'history_only',history_only)
  __dataclass_builtins_object__.__setattr__(self,'encoding',encoding)
  __dataclass_builtins_object__.__setattr__(self,'source',source)
  __dataclass_builtins_object__.__setattr__(self,'key',key)
  __dataclass_builtins_object__.__setattr__(self,'env',env)
  __dataclass_builtins_object__.__setattr__(self,'scanned_as',scanned_as)
  __dataclass_builtins_object__.__setattr__(self,'audited_false_positive',audited_false_positive)
  __dataclass_builtins_object__.__setattr__(self,'found_in',found_in)
  __dataclass_builtins_object__.__setattr__(self,'reachability',reachability)
  __dataclass_builtins_object__.__setattr__(self,'verified',verified)
 return __init__
CODE['9cbfeebbfd11c89ac2faf3c82a950bc241bad09dcffe529a8abf6beec59d0e71'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('rule_id','provider','severity','path','line','column','message','redacted','fingerprint','commit','commit_info','history_only','encoding','source','key','env','scanned_as','audited_false_positive','found_in','reachability','verified',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['438d3cf468dd03d9c8cb64ce72feddf239c4e057cd50cc612594e328cd0ebc32'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('rule_id','provider','severity','path','line','column','message','redacted','fingerprint','commit','commit_info','history_only','encoding','source','key','env','scanned_as','audited_false_positive','found_in','reachability','verified',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['4b0eeaad08ea2012100ef352a2906c81491ec4d0dcf96aab34d475326fd06852'] = __create_fn__.__code__

def __create_fn__(_type_path, _type_message, _type_line, _type_column, _type_blocking, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_line, _dflt_column, _dflt_blocking, _return_type):
 def __init__(self,path:_type_path,message:_type_message,line:_type_line=_dflt_line,column:_type_column=_dflt_column,blocking:_type_blocking=_dflt_blocking)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'message',message)
  __dataclass_builtins_object__.__setattr__(self,'line',line)
  __dataclass_builtins_object__.__setattr__(self,'column',column)
  __dataclass_builtins_object__.__setattr__(self,'blocking',blocking)
 return __init__
CODE['e8dee5c354f203e2ee5c96cee9491ae30638a84f7fb81d6219fa74ce5b4a5b23'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('path','message','line','column','blocking',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['e8c3e2186f839662f3053af3070451162dbe992ee5fd8e99ab51631aa664ec3c'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('path','message','line','column','blocking',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['b931393647494b928bbdb82e9cfb847b90942bf26600cc61ae73cbe02fc3a745'] = __create_fn__.__code__

def __create_fn__(_type_id, _type_provider, _type_description, _type_severity, _type_help_uri, _type_key_management, _type_help, _type_security_severity, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_severity, _dflt_help_uri, _dflt_key_management, _dflt_help, _dflt_security_severity, _return_type):
 def __init__(self,id:_type_id,provider:_type_provider,description:_type_description,severity:_type_severity=_dflt_severity,help_uri:_type_help_uri=_dflt_help_uri,key_management:_type_key_management=_dflt_key_management,help:_type_help=_dflt_help,security_severity:_type_security_severity=_dflt_security_severity)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'id',id)
  __dataclass_builtins_object__.__setattr__(self,'provider',provider)
  __dataclass_builtins_object__.__setattr__(self,'description',description)
  __dataclass_builtins_object__.__setattr__(self,'severity',severity)
  __dataclass_builtins_object__.__setattr__(self,'help_uri',help_uri)
  __dataclass_builtins_object__.__setattr__(self,'key_management',key_management)
  __dataclass_builtins_object__.__setattr__(self,'help',help)
  __dataclass_builtins_object__.__setattr__(self,'security_severity',security_severity)
 return __init__
CODE['27779ff8fad11a93245d4f6c878eaff5071e9512e4d8020aa8e6545ec80821ef'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('id','provider','description','severity','help_uri','key_management','help','security_severity',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['a1563eb7f1cde644ddb5d1fb00ad09428a52066b12c9c19c4a46a5bc9cbc45c6'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('id','provider','description','severity','help_uri','key_management','help','security_severity',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['194dfce23c0e49510c30eda509ab0fba97353e1da701098e2783f28938b8d1c5'] = __create_fn__.__code__

def __create_fn__(_type_env, _type_key, _type_provider, _type_probe, _type_status, _type_reason, _type_rule_id, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_status, _dflt_reason, _dflt_rule_id, _return_type):
 def __init__(self,env:_type_env,key:_type_key,provider:_type_provider,probe:_type_probe,status:_type_status=_dflt_status,reason:_type_reason=_dflt_reason,rule_id:_type_rule_id=_dflt_rule_id)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'env',env)
  __dataclass_builtins_object__.__setattr__(self,'key',key)
  __dataclass_builtins_object__.__setattr__(self,'provider',provider)
  __dataclass_builtins_object__.__setattr__(self,'probe',probe)
  __dataclass_builtins_object__.__setattr__(self,'status',status)
  __dataclass_builtins_object__.__setattr__(self,'reason',reason)
  __dataclass_builtins_object__.__setattr__(self,'rule_id',rule_id)
 return __init__
CODE['51d40f683440c85d50ef3ba87b4a2ec27a642d02711506eb79307d12dc9632bf'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('env','key','provider','probe','status','reason','rule_id',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['97ac3746f3426285ca03e69bca138c4ce31c5892591dec6241f511a6200abffe'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('env','key','provider','probe','status','reason','rule_id',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['673a9a7fb93baae2a76ae4ce494eff94af7c01be212447255722237c1e0de8a5'] = __create_fn__.__code__

def __create_fn__(_type_suite, _type_name, _type_outcome, _type_seconds, _type_path, _type_line, _type_finding, _type_detail, _type_error, _type_errors, _type_drift, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_seconds, _dflt_path, _dflt_line, _dflt_finding, _dflt_detail, _dflt_error, _dflt_errors, _dflt_drift, _return_type):
 def __init__(self,suite:_type_suite,name:_type_name,outcome:_type_outcome,seconds:_type_seconds=_dflt_seconds,path:_type_path=_dflt_path,line:_type_line=_dflt_line,finding:_type_finding=_dflt_finding,detail:_type_detail=_dflt_detail,error:_type_error=_dflt_error,errors:_type_errors=_dflt_errors,drift:_type_drift=_dflt_drift)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'suite',suite)
  __dataclass_builtins_object__.__setattr__(self,'name',name)
  __dataclass_builtins_object__.__setattr__(self,'outcome',outcome)
  __dataclass_builtins_object__.__setattr__(self,'seconds',seconds)
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'line',line)
  __dataclass_builtins_object__.__setattr__(self,'finding',finding)
  __dataclass_builtins_object__.__setattr__(self,'detail',detail)
  __dataclass_builtins_object__.__setattr__(self,'error',error)
  __dataclass_builtins_object__.__setattr__(self,'errors',errors)
  __dataclass_builtins_object__.__setattr__(self,'drift',drift)
  self.__post_init__()
 return __init__
CODE['53173772c0b47ee452d6d182ba4d4528d74528f5cf2e74054ab6b1530c1de217'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('suite','name','outcome','seconds','path','line','finding','detail','error','errors','drift',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['b02750ef186026173dcd56a39e037677d527bfaddc696999b13ea85e3dd2f730'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('suite','name','outcome','seconds','path','line','finding','detail','error','errors','drift',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['d1c779c3479ed21f82fb66b13f13f37e8e8a97a0547e8da3ddf8d57f16a97afc'] = __create_fn__.__code__

def __create_fn__(_type_files, _type_bytes, _type_seconds, _type_skipped_binary, _type_skipped_excluded, _type_skipped_other, _type_commits, _type_skipped_large, _type_skipped_submodules, _type_lfs_pointers, _type_baselined, _type_ignored, _type_allowed, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_files, _dflt_bytes, _dflt_seconds, _dflt_skipped_binary, _dflt_skipped_excluded, _dflt_skipped_other, _dflt_commits, _dflt_skipped_large, _dflt_skipped_submodules, _dflt_lfs_pointers, _dflt_baselined, _dflt_ignored, _dflt_allowed, _return_type):
 def __init__(self,files:_type_files=_dflt_files,bytes:_type_bytes=_dflt_bytes,seconds:_type_seconds=_dflt_seconds,skipped_binary:_type_skipped_binary=_dflt_skipped_binary,skipped_excluded:_type_skipped_excluded=_dflt_skipped_excluded,skipped_other:_type_skipped_other=_dflt_skipped_other,commits:_type_commits=_dflt_commits,skipped_large:_type_skipped_large=_dflt_skipped_large,skipped_submodules:_type_skipped_submodules=_dflt_skipped_submodules,lfs_pointers:_type_lfs_pointers=_dflt_lfs_pointers,baselined:_type_baselined=_dflt_baselined,ignored:_type_ignored=_dflt_ignored,allowed:_type_allowed=_dflt_allowed)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'files',files)
  __dataclass_builtins_object__.__setattr__(self,'bytes',bytes)
  __dataclass_builtins_object__.__setattr__(self,'seconds',seconds)
  __dataclass_builtins_object__.__setattr__(self,'skipped_binary',skipped_binary)
  __dataclass_builtins_object__.__setattr__(self,'skipped_excluded',skipped_excluded)
  __dataclass_builtins_object__.__setattr__(self,'skipped_other',skipped_other)
  __dataclass_builtins_object__.__setattr__(self,'commits',commits)
  __dataclass_builtins_object__.__setattr__(self,'skipped_large',skipped_large)
  __dataclass_builtins_object__.__setattr__(self,'skipped_submodules',skipped_submodules)
  __dataclass_builtins_object__.__setattr__(self,'lfs_pointers',lfs_pointers)
  __dataclass_builtins_object__.__setattr__(self,'baselined',baselined)
  __dataclass_builtins_object__.__setattr__(self,'ignored',ignored)
  __dataclass_builtins_object__.__setattr__(self,'allowed',allowed)
 return __init__
CODE['3486dc0e3189e949e9eb2ee4fdf5a9f761c31bac0c21f8e1cb010a1e4bb48f0d'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('files','bytes','seconds','skipped_binary','skipped_excluded','skipped_other','commits','skipped_large','skipped_submodules','lfs_pointers','baselined','ignored','allowed',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['07a16518f09bd2f67933c0597a7e8d7278f4eb062f057c619bb7cdbd9a52e5da'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('files','bytes','seconds','skipped_binary','skipped_excluded','skipped_other','commits','skipped_large','skipped_submodules','lfs_pointers','baselined','ignored','allowed',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['b65ac6e8f34f30b8778a103649f1823c9a6c8f1b64b4f5d63f25242835785515'] = __create_fn__.__code__

def __create_fn__(_type_command, _type_findings, _type_errors, _type_stats, _type_warnings, _type_rules_count, _type_rules_digest, _type_rules, _type_checks, _type_root, _type_shard, _type_scanned, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_findings, _dflt_errors, _dflt_stats, _dflt_warnings, _dflt_rules_count, _dflt_rules_digest, _dflt_rules, _dflt_checks, _dflt_root, _dflt_shard, _dflt_scanned, _return_type):
 def __init__(self,command:_type_command,findings:_type_findings=_dflt_findings,errors:_type_errors=_dflt_errors,stats:_type_stats=_HAS_DEFAULT_FACTORY,warnings:_type_warnings=_dflt_warnings,rules_count:_type_rules_count=_dflt_rules_count,rules_digest:_type_rules_digest=_dflt_rules_digest,rules:_type_rules=_HAS_DEFAULT_FACTORY,checks:_type_checks=_dflt_checks,root:_type_root=_dflt_root,shard:_type_shard=_dflt_shard,scanned:_type_scanned=_dflt_scanned)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'command',command)
  __dataclass_builtins_object__.__setattr__(self,'findings',findings)
  __dataclass_builtins_object__.__setattr__(self,'errors',errors)
  __dataclass_builtins_object__.__setattr__(self,'stats',_dflt_stats() if stats is _HAS_DEFAULT_FACTORY else stats)
  __dataclass_builtins_object__.__setattr__(self,'warnings',warnings)
  __dataclass_builtins_object__.__setattr__(self,'rules_count',rules_count)
  __dataclass_builtins_object__.__setattr__(self,'rules_digest',rules_digest)
  __dataclass_builtins_object__.__setattr__(self,'rules',_dflt_rules() if rules is _HAS_DEFAULT_FACTORY else rules)
  __dataclass_builtins_object__.__setattr__(self,'checks',checks)
  __dataclass_builtins_object__.__setattr__(self,'root',root)
  __dataclass_builtins_object__.__setattr__(self,'shard',shard)
  __dataclass_builtins_object__.__setattr__(self,'scanned',scanned)
  self.__post_init__()
 return __init__
CODE['fb57a1496062df651e67144404061b5244b8dc4900f5ccefb3574ae5646e4e92'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('command','findings','errors','stats','warnings','rules_count','rules_digest','rules','checks','root','shard','scanned',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['be7f0346d1ebd4054138260f8034e6fd934a6475f027aa15e7c05309fd5908b7'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('command','findings','errors','stats','warnings','rules_count','rules_digest','rules','checks','root','shard','scanned',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['6e155f6d136ff2d749d553dfe2311d3738d9be15e7b6a93b756a657f3471fe55'] = __create_fn__.__code__

def __create_fn__(_type_exclude, _type_rule_files, _type_disable_rules, _type_allow_fingerprints, _type_max_file_size, _type_jobs, _type_config_path, _type_baselines, _type_ignore_file, _type_policy, _type_check, _type_iac, _type_archives, _type_max_archive_depth, _type_max_archive_member_size, _type_max_archive_bytes, _type_max_archive_ratio, _type_max_archive_members, _type_allow_partial_archives, _type_max_decode_depth, _type_inline_allow, _type_scan_binary, _type_notes, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_exclude, _dflt_rule_files, _dflt_disable_rules, _dflt_allow_fingerprints, _dflt_max_file_size, _dflt_jobs, _dflt_config_path, _dflt_baselines, _dflt_ignore_file, _dflt_policy, _dflt_check, _dflt_iac, _dflt_archives, _dflt_max_archive_depth, _dflt_max_archive_member_size, _dflt_max_archive_bytes, _dflt_max_archive_ratio, _dflt_max_archive_members, _dflt_allow_partial_archives, _dflt_max_decode_depth, _dflt_inline_allow, _dflt_scan_binary, _dflt_notes, _return_type):
 def __init__(self,exclude:_type_exclude=_dflt_exclude,rule_files:_type_rule_files=_dflt_rule_files,disable_rules:_type_disable_rules=_dflt_disable_rules,allow_fingerprints:_type_allow_fingerprints=_dflt_allow_fingerprints,max_file_size:_type_max_file_size=_dflt_max_file_size,jobs:_type_jobs=_dflt_jobs,config_path:_type_config_path=_dflt_config_path,baselines:_type_baselines=_dflt_baselines,ignore_file:_type_ignore_file=_dflt_ignore_file,policy:_type_policy=_dflt_policy,check:_type_check=_dflt_check,iac:_type_iac=_dflt_iac,archives:_type_archives=_dflt_archives,max_archive_depth:_type_max_archive_depth=_dflt_max_archive_depth,max_archive_member_size:_type_max_archive_member_size=_dflt_max_archive_member_size,max_archive_bytes:_type_max_archive_bytes=_dflt_max_archive_bytes,max_archive_ratio:_type_max_archive_ratio=_dflt_max_archive_ratio,max_archive_members:_type_max_archive_members=_dflt_max_archive_members,allow_partial_archives:_type_allow_partial_archives=_dflt_allow_partial_archives,max_decode_depth:_type_max_decode_depth=_dflt_max_decode_depth,inline_allow:_type_inline_allow=_dflt_inline_allow,scan_binary:_type_scan_binary=_dflt_scan_binary,notes:_type_notes=_dflt_notes)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'exclude',exclude)
  __dataclass_builtins_object__.__setattr__(self,'rule_files',rule_files)
  __dataclass_builtins_object__.__setattr__(self,'disable_rules',disable_rules)
  __dataclass_builtins_object__.__setattr__(self,'allow_fingerprints',allow_fingerprints)
  __dataclass_builtins_object__.__setattr__(self,'max_file_size',max_file_size)
  __dataclass_builtins_object__.__setattr__(self,'jobs',jobs)
  __dataclass_builtins_object__.__setattr__(self,'config_path',config_path)
  __dataclass_builtins_object__.__setattr__(self,'baselines',baselines)
  __dataclass_builtins_object__.__setattr__(self,'ignore_file',ignore_file)
  __dataclass_builtins_object__.__setattr__(self,'policy',policy)
  __dataclass_builtins_object__.__setattr__(self,'check',check)
  __dataclass_builtins_object__.__setattr__(self,'iac',iac)
  __dataclass_builtins_object__.__setattr__(self,'archives',archives)
  __dataclass_builtins_object__.__setattr__(self,'max_archive_depth',max_archive_depth)
  __dataclass_builtins_object__.__setattr__(self,'max_archive_member_size',max_archive_member_size)
  __dataclass_builtins_object__.__setattr__(self,'max_archive_bytes',max_archive_bytes)
  __dataclass_builtins_object__.__setattr__(self,'max_archive_ratio',max_archive_ratio)
  __dataclass_builtins_object__.__setattr__(self,'max_archive_members',max_archive_members)
  __dataclass_builtins_object__.__setattr__(self,'allow_partial_archives',allow_partial_archives)
  __dataclass_builtins_object__.__setattr__(self,'max_decode_depth',max_decode_depth)
  __dataclass_builtins_object__.__setattr__(self,'inline_allow',inline_allow)
  __dataclass_builtins_object__.__setattr__(self,'scan_binary',scan_binary)
  __dataclass_builtins_object__.__setattr__(self,'notes',notes)
 return __init__
CODE['aad09855a70e40f16a7dbd9c331a9c23d08654658ff0c567ec11ba2884918098'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('exclude','rule_files','disable_rules','allow_fingerprints','max_file_size','jobs','config_path','baselines','ignore_file','policy','check','iac','archives','max_archive_depth','max_archive_member_size','max_archive_bytes','max_archive_ratio','max_archive_members','allow_partial_archives','max_decode_depth','inline_allow','scan_binary','notes',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['71ec84c1e99aa2d3bbfa8caf3853381df66456cae700671d47e9b5ba110a3e7a'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('exclude','rule_files','disable_rules','allow_fingerprints','max_file_size','jobs','config_path','baselines','ignore_file','policy','check','iac','archives','max_archive_depth','max_archive_member_size','max_archive_bytes','max_archive_ratio','max_archive_members','allow_partial_archives','max_decode_depth','inline_allow','scan_binary','notes',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['e2bdd47e7a2af24044c56326effc4ac2bd8d22bf036f3e249472835ecd53637f'] = __create_fn__.__code__

def __create_fn__(_type_literal, _type_charset, _type_min_len, _type_max_len, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_literal, _dflt_charset, _dflt_min_len, _dflt_max_len, _return_type):
 def __init__(self,literal:_type_literal=_dflt_literal,charset:_type_charset=_dflt_charset,min_len:_type_min_len=_dflt_min_len,max_len:_type_max_len=_dflt_max_len)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'literal',literal)
  __dataclass_builtins_object__.__setattr__(self,'charset',charset)
  __dataclass_builtins_object__.__setattr__(self,'min_len',min_len)
  __dataclass_builtins_object__.__setattr__(self,'max_len',max_len)
 return __init__
CODE['ae5cd1df8e80a6becfcd9e77325124557d037b94a2629063032c8baf7d986812'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('literal','charset','min_len','max_len',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['d174743f295210019aa6b661c7e1e9049a3032f098b0e8706fdbc52137b4a668'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('literal','charset','min_len','max_len',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['65563f0d0b98ea372c8fb2831ac38f41558b78a6541303f89c6ff70e1e1ff97e'] = __create_fn__.__code__

def __create_fn__(_type_pattern, _type_before, _type_after, _type_names, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_before, _dflt_after, _dflt_names, _return_type):
 def __init__(self,pattern:_type_pattern,before:_type_before=_dflt_before,after:_type_after=_dflt_after,names:_type_names=_dflt_names)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'pattern',pattern)
  __dataclass_builtins_object__.__setattr__(self,'before',before)
  __dataclass_builtins_object__.__setattr__(self,'after',after)
  __dataclass_builtins_object__.__setattr__(self,'names',names)
 return __init__
CODE['8217925ed52f0b57ba93a361d575c0f38ce32b087f73ccfc5ea8c774627133f0'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('pattern','before','after','names',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['6930aa3937b2a7f08d0577262f6d4aeb2d208748b3a5e4d4373394c070f6af85'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('pattern','before','after','names',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['54065352ed5e1c1f8aa98de34ebf2a30f9bbe2c22eacdfd1f3d069715bcd231b'] = __create_fn__.__code__

def __create_fn__(_type_positive, _type_negative, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_positive, _dflt_negative, _return_type):
 def __init__(self,positive:_type_positive=_dflt_positive,negative:_type_negative=_dflt_negative)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'positive',positive)
  __dataclass_builtins_object__.__setattr__(self,'negative',negative)
 return __init__
CODE['565a1e35389b834fdc7c70b51070924bdd0f978081a63eb5a314afda8f4a832c'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('positive','negative',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['cacd48d5725249f2646dbd67c1c6b0d6cf59c872e0a0aea6d5014db3ef57cb40'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('positive','negative',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['33e78dba5134d4883f8d4fe6b791af6a054eac44f39804556906eeac5d3d5376'] = __create_fn__.__code__
