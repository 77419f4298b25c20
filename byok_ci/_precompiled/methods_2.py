# Written by `python -m byok_ci._precompiled.generate` with Python 3.11, dataclasses' text format 8d7a3678dd3b48b4:
# do not edit.
# The texts are dataclasses' own, compiled as they are: no __future__ import here.
# mypy: ignore-errors
# ruff: noqa

CODE = {}

def __create_fn__(_type_id, _type_provider, _type_description, _type_severity, _type_keywords, _type_pattern, _type_format, _type_prefix, _type_entropy, _type_require, _type_context, _type_allow, _type_allow_context, _type_boundary, _type_priority, _type_max_length, _type_key_management, _type_examples, _type_source, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_entropy, _dflt_require, _dflt_context, _dflt_allow, _dflt_allow_context, _dflt_boundary, _dflt_priority, _dflt_max_length, _dflt_key_management, _dflt_examples, _dflt_source, _return_type):
 def __init__(self,id:_type_id,provider:_type_provider,description:_type_description,severity:_type_severity,keywords:_type_keywords,pattern:_type_pattern,format:_type_format,prefix:_type_prefix,entropy:_type_entropy=_dflt_entropy,require:_type_require=_dflt_require,context:_type_context=_dflt_context,allow:_type_allow=_dflt_allow,allow_context:_type_allow_context=_dflt_allow_context,boundary:_type_boundary=_dflt_boundary,priority:_type_priority=_dflt_priority,max_length:_type_max_length=_dflt_max_length,key_management:_type_key_management=_dflt_key_management,examples:_type_examples=_dflt_examples,source:_type_source=_dflt_source)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'id',id)
  __dataclass_builtins_object__.__setattr__(self,'provider',provider)
  __dataclass_builtins_object__.__setattr__(self,'description',description)
  __dataclass_builtins_object__.__setattr__(self,'severity',severity)
  __dataclass_builtins_object__.__setattr__(self,'keywords',keywords)
  __dataclass_builtins_object__.__setattr__(self,'pattern',pattern)
  __dataclass_builtins_object__.__setattr__(self,'format',format)
  __dataclass_builtins_object__.__setattr__(self,'prefix',prefix)
  __dataclass_builtins_object__.__setattr__(self,'entropy',entropy)
  __dataclass_builtins_object__.__setattr__(self,'require',require)
  __dataclass_builtins_object__.__setattr__(self,'context',context)
  __dataclass_builtins_object__.__setattr__(self,'allow',allow)
  __dataclass_builtins_object__.__setattr__(self,'allow_context',allow_context)
  __dataclass_builtins_object__.__setattr__(self,'boundary',boundary)
  __dataclass_builtins_object__.__setattr__(self,'priority',priority)
  __dataclass_builtins_object__.__setattr__(self,'max_length',max_length)
  __dataclass_builtins_object__.__setattr__(self,'key_management',key_management)
  __dataclass_builtins_object__.__setattr__(self,'examples',examples)
  __dataclass_builtins_object__.__setattr__(self,'source',source)
 return __init__
CODE['d77fcd2c30403245663949706dda0222a998431608ea319e608f523751ce6b44'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('id','provider','description','severity','keywords','pattern','format','prefix','entropy','require','context','allow','allow_context','boundary','priority','max_length','key_management','examples','source',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['c21abc3409be223635b885ecc5ec0963804aa0b1567d50c6bd088b3cc7eab09c'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('id','provider','description','severity','keywords','pattern','format','prefix','entropy','require','context','allow','allow_context','boundary','priority','max_length','key_management','examples','source',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['1b7cc31a527e95e37db3b57e2f8a46bc453a65e8ff73c191c0ea069e4a36e996'] = __create_fn__.__code__

def __create_fn__(_type_id, _type_name, _type_key_management, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_key_management, _return_type):
 def __init__(self,id:_type_id,name:_type_name,key_management:_type_key_management=_dflt_key_management)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'id',id)
  __dataclass_builtins_object__.__setattr__(self,'name',name)
  __dataclass_builtins_object__.__setattr__(self,'key_management',key_management)
 return __init__
CODE['23ec210900d82536702790220671523625dd374295cc919886b59e8c54ccf039'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('id','name','key_management',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['1d338f8f95c4ae25fd3484b7e62e758ed7c06c4e2aa87af55121bd8ee197141c'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('id','name','key_management',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['107e538eaa7e3079ef71ee4d124b0dd1f4cb1d5b4e5fa8fbfc9cec1b22c181ed'] = __create_fn__.__code__

def __create_fn__(_type_rules, _type_providers, _type_errors, _type_digest, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_providers, _dflt_errors, _dflt_digest, _return_type):
 def __init__(self,rules:_type_rules,providers:_type_providers=_HAS_DEFAULT_FACTORY,errors:_type_errors=_dflt_errors,digest:_type_digest=_dflt_digest)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'rules',rules)
  __dataclass_builtins_object__.__setattr__(self,'providers',_dflt_providers() if providers is _HAS_DEFAULT_FACTORY else providers)
  __dataclass_builtins_object__.__setattr__(self,'errors',errors)
  __dataclass_builtins_object__.__setattr__(self,'digest',digest)
 return __init__
CODE['5233dfba10f96de027ed24fbc0fb2f2bce32aa6bd5aa834b68d4493f68c0821c'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('rules','providers','errors','digest',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['4b798ef30cca6f51027117ac3958a6b00b6db73da7d870f17642e327bc644b43'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('rules','providers','errors','digest',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['ea5b4492771001dd6c12627369cb9347a649dcd6c755a65143d0000bbac89e9e'] = __create_fn__.__code__

def __create_fn__(_type_rule, _type_start, _type_end, _type_match_start, _type_match_end, _type_context_matched, _type_secret, _type_audited_false_positive, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_audited_false_positive, _return_type):
 def __init__(self,rule:_type_rule,start:_type_start,end:_type_end,match_start:_type_match_start,match_end:_type_match_end,context_matched:_type_context_matched,secret:_type_secret,audited_false_positive:_type_audited_false_positive=_dflt_audited_false_positive)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'rule',rule)
  __dataclass_builtins_object__.__setattr__(self,'start',start)
  __dataclass_builtins_object__.__setattr__(self,'end',end)
  __dataclass_builtins_object__.__setattr__(self,'match_start',match_start)
  __dataclass_builtins_object__.__setattr__(self,'match_end',match_end)
  __dataclass_builtins_object__.__setattr__(self,'context_matched',context_matched)
  __dataclass_builtins_object__.__setattr__(self,'secret',secret)
  __dataclass_builtins_object__.__setattr__(self,'audited_false_positive',audited_false_positive)
 return __init__
CODE['909d561dbe299f4c7c5711ee9a49be22097b7a4bb34cdf3cc2a2b61722edb810'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('rule','start','end','match_start','match_end','context_matched','secret','audited_false_positive',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['8f0fd9a4bbc8a6bed1e4a556e97aa1509c8ccf3faf22f61eae8c25978c4a2a39'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('rule','start','end','match_start','match_end','context_matched','secret','audited_false_positive',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['8b19a58a7512df389edfd9b24202e144ebe74ace2e8b2106eb5f977962393204'] = __create_fn__.__code__

def __create_fn__(_type_rule, _type_start, _type_end, _type_secret, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,rule:_type_rule,start:_type_start,end:_type_end,secret:_type_secret)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'rule',rule)
  __dataclass_builtins_object__.__setattr__(self,'start',start)
  __dataclass_builtins_object__.__setattr__(self,'end',end)
  __dataclass_builtins_object__.__setattr__(self,'secret',secret)
 return __init__
CODE['f9da23f057d61b0e1a3e5050027a2d49fd0c9e03d238fc6165826abede0fdffe'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(rule={self.rule!r}, start={self.start!r}, end={self.end!r})"
 return __repr__
CODE['a582ef9459e8582a5e9b8c3a1810efacce3018f2ae98beaeaba299b4ae4e7efd'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('rule','start','end','secret',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['761418d1590eb9ebb079f1ed422e9508e4840e10eb4e152ea6f68eb2c41c68e2'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('rule','start','end','secret',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['0416b1a9609c590d3acde1e988547b9fe231de087bd6ec07bf321356c757c51e'] = __create_fn__.__code__

def __create_fn__(_type_rule, _type_anchors, _type__loose, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt__loose, _return_type):
 def __init__(self,rule:_type_rule,anchors:_type_anchors,_loose:_type__loose=_dflt__loose)->_return_type:
  self.rule=rule
  self.anchors=anchors
  self._loose=_loose
 return __init__
CODE['5b53017c5f0e8581082a22c3b5f9b61940dcaca3516857f185171e08b454c9ae'] = __create_fn__.__code__

def __create_fn__(_type_errors, _type_paths, _type_authors, _type_git, _type__counts, _type__absorbed, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_errors, _dflt_paths, _dflt_authors, _dflt_git, _dflt__counts, _dflt__absorbed, _return_type):
 def __init__(self,errors:_type_errors=_HAS_DEFAULT_FACTORY,paths:_type_paths=_HAS_DEFAULT_FACTORY,authors:_type_authors=_HAS_DEFAULT_FACTORY,git:_type_git=_dflt_git,_counts:_type__counts=_HAS_DEFAULT_FACTORY,_absorbed:_type__absorbed=_HAS_DEFAULT_FACTORY)->_return_type:
  self.errors=_dflt_errors() if errors is _HAS_DEFAULT_FACTORY else errors
  self.paths=_dflt_paths() if paths is _HAS_DEFAULT_FACTORY else paths
  self.authors=_dflt_authors() if authors is _HAS_DEFAULT_FACTORY else authors
  self.git=git
  self._counts=_dflt__counts() if _counts is _HAS_DEFAULT_FACTORY else _counts
  self._absorbed=_dflt__absorbed() if _absorbed is _HAS_DEFAULT_FACTORY else _absorbed
 return __init__
CODE['c5d9c4871093af65967bb61b294ab50fa1c0ba8d227f011a032e41b89c8d906e'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(errors={self.errors!r}, paths={self.paths!r}, authors={self.authors!r}, git={self.git!r}, _counts={self._counts!r}, _absorbed={self._absorbed!r})"
 return __repr__
CODE['a994639a2b760ee13cd4be384f368034f0225471e011948fabac89eebaa484e7'] = __create_fn__.__code__

def __create_fn__(_type_findings, _type_errors, _type_warnings, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,findings:_type_findings,errors:_type_errors,warnings:_type_warnings)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'findings',findings)
  __dataclass_builtins_object__.__setattr__(self,'errors',errors)
  __dataclass_builtins_object__.__setattr__(self,'warnings',warnings)
 return __init__
CODE['c0e151af06b211f271ac1b6f0e8d1bcbf05a69cddb279016debfc3870a82a78c'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(findings={self.findings!r}, errors={self.errors!r}, warnings={self.warnings!r})"
 return __repr__
CODE['24aa2e2be50b7f098cf3c775217d7a9dcc8461f6758f895d47c0cf18ae8e61b7'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('findings','errors','warnings',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['0de2f472493203f1cc9bb542edc36a1fc72cf65c055b4ca498ee87a85ad28356'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('findings','errors','warnings',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['fefa53e4867b65daa30cfe1d15eba4f47b56ed2d6cd1a3bf7145b75e0ad3e649'] = __create_fn__.__code__

def __create_fn__(_type_baselined, _type_ignored, _type_allowed, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_baselined, _dflt_ignored, _dflt_allowed, _return_type):
 def __init__(self,baselined:_type_baselined=_dflt_baselined,ignored:_type_ignored=_dflt_ignored,allowed:_type_allowed=_dflt_allowed)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'baselined',baselined)
  __dataclass_builtins_object__.__setattr__(self,'ignored',ignored)
  __dataclass_builtins_object__.__setattr__(self,'allowed',allowed)
 return __init__
CODE['cb43477a83d9544867cfa8db17440233caf86c7f9ad3245add2356aa00a474ab'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(baselined={self.baselined!r}, ignored={self.ignored!r}, allowed={self.allowed!r})"
 return __repr__
CODE['1fb70d306c3591febb6e8782495a2def8f440bffe253fd4ea0d47a2254878f35'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('baselined','ignored','allowed',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['f35f529e80580c3e1854b4f5f5e27e47e058864a2f38b1958d3c4c7162295feb'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('baselined','ignored','allowed',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['7a6d3b7c0bf50043db16c5a22473f3d1a088288b9310f68ce60b6044e320f929'] = __create_fn__.__code__

def __create_fn__(_type_baselines, _type_ignore, _type_expired, _type_sha1_hashes, _type_warnings, _type_uses_baseline, _type_uses_ignore_file, _type_allowed, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_baselines, _dflt_ignore, _dflt_expired, _dflt_sha1_hashes, _dflt_warnings, _dflt_uses_baseline, _dflt_uses_ignore_file, _dflt_allowed, _return_type):
 def __init__(self,baselines:_type_baselines=_dflt_baselines,ignore:_type_ignore=_HAS_DEFAULT_FACTORY,expired:_type_expired=_HAS_DEFAULT_FACTORY,sha1_hashes:_type_sha1_hashes=_dflt_sha1_hashes,warnings:_type_warnings=_dflt_warnings,uses_baseline:_type_uses_baseline=_dflt_uses_baseline,uses_ignore_file:_type_uses_ignore_file=_dflt_uses_ignore_file,allowed:_type_allowed=_dflt_allowed)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'baselines',baselines)
  __dataclass_builtins_object__.__setattr__(self,'ignore',_dflt_ignore() if ignore is _HAS_DEFAULT_FACTORY else ignore)
  __dataclass_builtins_object__.__setattr__(self,'expired',_dflt_expired() if expired is _HAS_DEFAULT_FACTORY else expired)
  __dataclass_builtins_object__.__setattr__(self,'sha1_hashes',sha1_hashes)
  __dataclass_builtins_object__.__setattr__(self,'warnings',warnings)
  __dataclass_builtins_object__.__setattr__(self,'uses_baseline',uses_baseline)
  __dataclass_builtins_object__.__setattr__(self,'uses_ignore_file',uses_ignore_file)
  __dataclass_builtins_object__.__setattr__(self,'allowed',allowed)
 return __init__
CODE['1d989880d7c23bc7174cf5a13b55fdca1a43aa2386c6752d89a0d2a364219d7d'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('baselines','ignore','expired','sha1_hashes','warnings','uses_baseline','uses_ignore_file','allowed',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['e1ef2a4e8d11d017cc9d69e756f857be4edcc5ca1bb41a229d37351be9d04680'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('baselines','ignore','expired','sha1_hashes','warnings','uses_baseline','uses_ignore_file','allowed',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['93347f731f8cc4b02cc0d9021c48e064125d0672c68125acfee8d86ad2f08daa'] = __create_fn__.__code__

def __create_fn__(_type_command, _type_ruleset, _type_settings, _type_root, _type_suppression, _type_setup_errors, _type_started, _type_keys, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_started, _dflt_keys, _return_type):
 def __init__(self,command:_type_command,ruleset:_type_ruleset,settings:_type_settings,root:_type_root,suppression:_type_suppression,setup_errors:_type_setup_errors,started:_type_started=_HAS_DEFAULT_FACTORY,keys:_type_keys=_dflt_keys)->_return_type:
  self.command=command
  self.ruleset=ruleset
  self.settings=settings
  self.root=root
  self.suppression=suppression
  self.setup_errors=setup_errors
  self.started=_dflt_started() if started is _HAS_DEFAULT_FACTORY else started
  self.keys=keys
 return __init__
CODE['8222eabfb0165618737bf22104bb8e8347d42962ed837177d6ee45ac097c2fed'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(command={self.command!r}, ruleset={self.ruleset!r}, settings={self.settings!r}, root={self.root!r}, suppression={self.suppression!r}, setup_errors={self.setup_errors!r}, started={self.started!r}, keys={self.keys!r})"
 return __repr__
CODE['b85251174ba8aba567d14aee842ecbad62d3873da516f976867ee764e3c51f38'] = __create_fn__.__code__

def __create_fn__(_type_reading, _type_max_file_size, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_max_file_size, _return_type):
 def __init__(self,reading:_type_reading,max_file_size:_type_max_file_size=_dflt_max_file_size)->_return_type:
  self.reading=reading
  self.max_file_size=max_file_size
 return __init__
CODE['c1a6f86a3a14e2672fac4cf52b04f8f9d400380d2310adb02d4670a75142624e'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(reading={self.reading!r}, max_file_size={self.max_file_size!r})"
 return __repr__
CODE['7c6cf001be44598dbd859e186e9888354e1fdc70b91281db731f9a98d81ca285'] = __create_fn__.__code__

def __create_fn__(_type_root, _type_exclude, _type_max_file_size, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_exclude, _dflt_max_file_size, _return_type):
 def __init__(self,root:_type_root,exclude:_type_exclude=_dflt_exclude,max_file_size:_type_max_file_size=_dflt_max_file_size)->_return_type:
  self.root=root
  self.exclude=exclude
  self.max_file_size=max_file_size
 return __init__
CODE['f86d9fdb4b99dc36629c5561ae72fab44ca98bdd7f2aedd23939e1ac5fe3270f'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(root={self.root!r}, exclude={self.exclude!r}, max_file_size={self.max_file_size!r})"
 return __repr__
CODE['cd049f60540f4b3e8d704a030f9514eba7b5782b360849ff6f3cf80898085d36'] = __create_fn__.__code__

def __create_fn__(_type_paths, _type_options, _type_reading, _type_artifacts, _type_reader, _type_sizes, _type_outside_links, _type__inside, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_reading, _dflt_artifacts, _dflt_outside_links, _return_type):
 def __init__(self,paths:_type_paths,options:_type_options,reading:_type_reading=_HAS_DEFAULT_FACTORY,artifacts:_type_artifacts=_dflt_artifacts)->_return_type:
  self.paths=paths
  self.options=options
  self.reading=_dflt_reading() if reading is _HAS_DEFAULT_FACTORY else reading
  self.artifacts=artifacts
  self.outside_links=_dflt_outside_links()
  self.__post_init__()
 return __init__
CODE['edc7d74cc911a850536a6c43d68c22b54b71c8d7c15ef281caf5df05de4a2f32'] = __create_fn__.__code__

def __create_fn__():
 def __repr__(self):
  return self.__class__.__qualname__ + f"(paths={self.paths!r}, options={self.options!r}, reading={self.reading!r}, artifacts={self.artifacts!r}, reader={self.reader!r}, sizes={self.sizes!r}, outside_links={self.outside_links!r}, _inside={self._inside!r})"
 return __repr__
CODE['89e58a6164c356e05b2df28cc4a7ec196c44ed11b9d5fc97915fd5af13bba6cd'] = __create_fn__.__code__

def __create_fn__(_type_sha, _type_info, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,sha:_type_sha,info:_type_info)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'sha',sha)
  __dataclass_builtins_object__.__setattr__(self,'info',info)
 return __init__
CODE['5d275bc57da073b844f6b2d3f5a3bf9b258107115c53896a51676dec8231fa85'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('sha','info',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['d260e7a29d059b531243650eacea8d84fabf0e7062ac63d92dfc2d4f88aa8cb1'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('sha','info',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['d4f1790fc74f9d49c92d972d771a1ca7e1a6c6ae1d27b975a59a19d63ec5b3e8'] = __create_fn__.__code__

def __create_fn__(_type_first, _type_data, _type_lines, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_data, _dflt_lines, _return_type):
 def __init__(self,first:_type_first,data:_type_data=_dflt_data,lines:_type_lines=_dflt_lines)->_return_type:
  self.first=first
  self.data=data
  self.lines=lines
 return __init__
CODE['a566da3ec76d292e586017f15f2dc587b41fdb4eac2a520d7cc8cc756659c5cf'] = __create_fn__.__code__

def __create_fn__(_type_commit, _type_path, _type_blob, _type_mode, _type_binary, _type_runs, _type_added_bytes, _type_parents, _type_renamed_from, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_blob, _dflt_mode, _dflt_binary, _dflt_runs, _dflt_added_bytes, _dflt_parents, _dflt_renamed_from, _return_type):
 def __init__(self,commit:_type_commit,path:_type_path,blob:_type_blob=_dflt_blob,mode:_type_mode=_dflt_mode,binary:_type_binary=_dflt_binary,runs:_type_runs=_HAS_DEFAULT_FACTORY,added_bytes:_type_added_bytes=_dflt_added_bytes,parents:_type_parents=_dflt_parents,renamed_from:_type_renamed_from=_dflt_renamed_from)->_return_type:
  self.commit=commit
  self.path=path
  self.blob=blob
  self.mode=mode
  self.binary=binary
  self.runs=_dflt_runs() if runs is _HAS_DEFAULT_FACTORY else runs
  self.added_bytes=added_bytes
  self.parents=parents
  self.renamed_from=renamed_from
 return __init__
CODE['b1fe955abf7af678f40ec04d745fce030967dfdd72536f940412925435fa0cb9'] = __create_fn__.__code__

def __create_fn__(_type_path, _type_where, _type_blob, _type_commit, _type_parents, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _dflt_parents, _return_type):
 def __init__(self,path:_type_path,where:_type_where,blob:_type_blob,commit:_type_commit,parents:_type_parents=_dflt_parents)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'where',where)
  __dataclass_builtins_object__.__setattr__(self,'blob',blob)
  __dataclass_builtins_object__.__setattr__(self,'commit',commit)
  __dataclass_builtins_object__.__setattr__(self,'parents',parents)
 return __init__
CODE['9e3490619deb5c9f8dde2422f78ed219b98eadfcb8774164cde28b53f973c1df'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('path','where','blob','commit','parents',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['d02931fe713e88d053ea06171e7d6518ff40ab2c00e3230fcddefbe0e7176cca'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('path','where','blob','commit','parents',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['1770f854abf5fd56070e1341bfedc79dfe7140d5f9739ed7c0cd82893b8ccdd9'] = __create_fn__.__code__

def __create_fn__(_type_path, _type_where, _type_blob, _type_commit, _type_added, _type_rules, MISSING, _HAS_DEFAULT_FACTORY, __dataclass_builtins_object__, _return_type):
 def __init__(self,path:_type_path,where:_type_where,blob:_type_blob,commit:_type_commit,added:_type_added,rules:_type_rules)->_return_type:
  __dataclass_builtins_object__.__setattr__(self,'path',path)
  __dataclass_builtins_object__.__setattr__(self,'where',where)
  __dataclass_builtins_object__.__setattr__(self,'blob',blob)
  __dataclass_builtins_object__.__setattr__(self,'commit',commit)
  __dataclass_builtins_object__.__setattr__(self,'added',added)
  __dataclass_builtins_object__.__setattr__(self,'rules',rules)
 return __init__
CODE['4943f103f8e05f11eb9cd89ac404d87489363e9f05ab1f749f3c064adb72ae01'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __setattr__(self,name,value):
  if type(self) is cls or name in ('path','where','blob','commit','added','rules',):
   raise FrozenInstanceError(f"cannot assign to field {name!r}")
  super(cls, self).__setattr__(name, value)
 return __setattr__
CODE['8555373e6657e28e9537b8e3dd34836590cb48103f550b42ce30663333f46647'] = __create_fn__.__code__

def __create_fn__(cls, FrozenInstanceError):
 def __delattr__(self,name):
  if type(self) is cls or name in ('path','where','blob','commit','added','rules',):
   raise FrozenInstanceError(f"cannot delete field {name!r}")
  super(cls, self).__delattr__(name)
 return __delattr__
CODE['a7808e58480f3ce874c8f39eb61bde3c955afcc0d1915174ec38da3893144aaf'] = __create_fn__.__code__
